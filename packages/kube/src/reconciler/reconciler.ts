import type { KubeObject } from "../rest/wire.ts";
import { type Logger, appNamespace } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { LABEL_APP, LABEL_MANAGED_BY, MANAGED_BY } from "../labels.ts";
import { type ControlPlaneAccount, createNamespaceAccess } from "../namespace-access.ts";
import { createReleaseStore } from "../release-store.ts";
import { type RenderOptions, renderOptions } from "../render/options.ts";
import { appObjects } from "../resources/app-object.ts";
import { renderedKinds } from "./kinds.ts";
import { type ReconcileResult, reconcileApp } from "./reconcile-app.ts";
import { type Watch, createWatch } from "./watches.ts";
import { WorkQueue } from "./work-queue.ts";

/** Options of the reconciler; every field has a default. */
export interface ReconcilerOptions {
  /** How objects are rendered (base domain, issuer, registry credentials …). */
  readonly render?: Partial<RenderOptions>;
  /** Every app is reconciled this often even without events (repairs drift). @defaultValue 60000 */
  readonly resyncIntervalMs?: number;
  /** Delay before a failed watch is re-established. @defaultValue 1000 */
  readonly watchRestartDelayMs?: number;
  /** Delay before a failed reconcile is retried. @defaultValue 2000 */
  readonly retryDelayMs?: number;
  /** Apps reconciled at the same time. @defaultValue 2 */
  readonly concurrency?: number;
  /**
   * The apps this reconciler looks after; others on the cluster are left alone, so several
   * reconcilers (the test suites that run side by side on one cluster) never fight over an
   * app's objects. @defaultValue every app
   */
  readonly owns?: (app: string) => boolean;
  /**
   * The control plane's ServiceAccount: an app namespace made before it had its own binding
   * (an upgrade) is bound when the reconciler starts, and before an app's first pass.
   * @defaultValue qs-system/quickstack
   */
  readonly account?: ControlPlaneAccount;
}

/** The running reconciler. */
export interface Reconciler {
  /** Starts watches and the resync timer; resolves once the first list is done. */
  start(): Promise<void>;
  /** Runs one pass for `app` now (tests, and callers that want the result at once). */
  reconcile(app: string): Promise<ReconcileResult>;
  /** Stops everything; safe to call more than once. */
  close(): Promise<void>;
}

/** Creates the reconciler that turns App objects into running workloads. */
export function createReconciler(deps: {
  apis: KubeApis;
  logger: Logger;
  options?: ReconcilerOptions;
}): Reconciler {
  const options = deps.options ?? {};
  const logger = deps.logger.child({ component: "reconciler" });
  const apis = deps.apis;
  const ctx = {
    apis,
    kinds: renderedKinds(apis),
    releases: createReleaseStore(apis),
    render: renderOptions(options.render),
    logger,
  };
  const access = createNamespaceAccess(apis, options.account);
  const ensureAccess = async (app: string): Promise<void> => {
    try {
      await access.ensure(appNamespace(app));
    } catch (err) {
      // The pass says what is wrong if it needs the access; an app being destroyed does not.
      logger.warn({ app, err: (err as Error).message }, "could not bind the control plane's role in the app's namespace");
    }
  };
  const pass = async (app: string): Promise<ReconcileResult> => {
    await ensureAccess(app);
    return reconcileApp(ctx, app);
  };
  const queue = new WorkQueue((app) => pass(app).then(() => undefined), logger, {
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  const restartDelayMs = options.watchRestartDelayMs ?? 1000;
  const owns = options.owns ?? (() => true);
  const enqueue = (app: string | undefined): void => {
    if (app !== undefined && owns(app)) queue.add(app);
  };
  const byLabel = (obj: KubeObject): void => enqueue(obj.metadata?.labels?.[LABEL_APP]);
  const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
  const watches: Watch[] = [
    createWatch({
      rest: apis.rest,
      path: appObjects(apis).path(),
      onChange: (obj) => enqueue(obj.metadata?.name),
      logger,
      restartDelayMs,
    }),
    createWatch({ rest: apis.rest, path: apis.deployments.path(), labelSelector: managed, onChange: byLabel, logger, restartDelayMs }),
    createWatch({ rest: apis.rest, path: apis.services.path(), labelSelector: managed, onChange: byLabel, logger, restartDelayMs }),
  ];

  let resync: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  /** Binds the control plane's role in every app namespace it looks after (an upgrade's first start). */
  const bindAll = async (): Promise<void> => {
    try {
      const apps = (await appObjects(apis).listAll()).items.map((a) => a.metadata.name).filter(owns);
      for (let i = 0; i < apps.length; i += 8) {
        await Promise.all(apps.slice(i, i + 8).map((app) => ensureAccess(app)));
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "listing apps to bind the control plane's role failed");
    }
  };

  const resyncAll = async (): Promise<void> => {
    try {
      const list = await appObjects(apis).listAll();
      for (const app of list.items) enqueue(app.metadata.name);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "resync list failed");
    }
  };

  return {
    async start() {
      for (const w of watches) await w.start();
      await bindAll();
      await resyncAll();
      resync = setInterval(() => void resyncAll(), options.resyncIntervalMs ?? 60_000);
      logger.info("reconciler started");
    },

    reconcile: pass,

    close() {
      closing ??= (async () => {
        clearInterval(resync);
        const results = await Promise.allSettled([...watches.map((w) => w.stop()), queue.close()]);
        for (const r of results) if (r.status === "rejected") logger.warn({ err: String(r.reason) }, "close step failed");
      })();
      return closing;
    },
  };
}
