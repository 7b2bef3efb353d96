import { randomUUID } from "node:crypto";
import { type DeployRequest, type ReleaseManager, appNamespace, silentLogger } from "@qs/core";
import {
  type KubeApis,
  type Reconciler,
  createAppStore,
  createConfigStore,
  createKubeApis,
  createReconciler,
  createReleaseManager,
  loadKubeConnection,
} from "@qs/kube";
import { imageName } from "./src/images.ts";

// QuickStack's deploy path (App store, reconciler, release manager) wired to a real
// cluster with the identity a kubeconfig gives: the admin, or the control plane's own
// ServiceAccount.

export const busybox = imageName("library/busybox:1.35");

/** A web process: busybox httpd on $PORT serving a page that shows GREETING. */
export const webProcess =
  'mkdir -p /tmp/www && echo "hello ${GREETING:-nobody}" > /tmp/www/index.html && exec httpd -f -p $PORT -h /tmp/www';

export interface RealDeploy {
  apis: KubeApis;
  apps: ReturnType<typeof createAppStore>;
  config: ReturnType<typeof createConfigStore>;
  releases: ReleaseManager;
  reconciler: Reconciler;
  /** Creates an App with a fresh name (destroyed by close). */
  newApp(): Promise<string>;
  /** A deploy of busybox serving `webProcess`. */
  request(app: string, extra?: Partial<DeployRequest>): DeployRequest;
  /** GET / through the app's Service ClusterIP (kube-proxy), from this machine. */
  httpThroughService(app: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a reconciler and release manager against `kubeconfig` (CRDs already installed). */
export async function startRealDeploy(kubeconfig: string): Promise<RealDeploy> {
  const apis = createKubeApis(loadKubeConnection(kubeconfig));
  const render = { baseDomain: "qs.test", progressDeadlineSeconds: 30 };
  // Each harness names its apps with a prefix of its own and reconciles only those, so the
  // suites that use it can run side by side on one cluster.
  const prefix = `rc${randomUUID().slice(0, 4)}-`;
  const reconciler = createReconciler({
    apis,
    logger: silentLogger,
    options: { resyncIntervalMs: 5_000, watchRestartDelayMs: 500, retryDelayMs: 500, render, owns: (a) => a.startsWith(prefix) },
  });
  await reconciler.start();
  const apps = createAppStore(apis);
  const created: string[] = [];
  return {
    apis,
    apps,
    config: createConfigStore(apis),
    releases: createReleaseManager({
      apis,
      logger: silentLogger,
      options: { render, pollMs: 250, rolloutTimeoutMs: 90_000, releasePhaseTimeoutMs: 90_000 },
    }),
    reconciler,
    async newApp() {
      const name = `${prefix}${randomUUID().slice(0, 8)}`;
      await apps.create(name, "alice");
      created.push(name);
      return name;
    },
    request: (app, extra = {}) => ({
      app,
      image: busybox,
      gitSha: "abc1234abc1234",
      processes: { web: webProcess },
      author: "alice",
      description: "Deploy busybox",
      ...extra,
    }),
    async httpThroughService(app) {
      const svc = (await apis.services.list(appNamespace(app))).items[0];
      const ip = svc?.spec?.clusterIP;
      if (!ip) throw new Error("no Service");
      try {
        const res = await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(3_000) });
        return await res.text();
      } catch (err) {
        // What kube-proxy routes to, and what runs, so a timeout says which side lagged.
        throw new Error(`${describeFetchError(err)} at ${ip}; ${await routeDiagnosis(apis, appNamespace(app))}`, { cause: err });
      }
    },
    async close() {
      await Promise.allSettled(created.map((name) => apps.destroy(name)));
      await reconciler.close();
      apis.rest.close();
    },
  };
}

/**
 * GET `path` from the newest running pod of `ns` whose name starts with `prefix`, at its IP
 * and first container port: what the app answers, whatever state kube-proxy is in. For
 * suites whose subject is the app (its volume, its database), not Service routing.
 */
export async function httpFromPod(apis: KubeApis, ns: string, path = "/", prefix = ""): Promise<string> {
  const pods = (await apis.pods.list(ns)).items
    .filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.podIP && (p.metadata?.name ?? "").startsWith(prefix))
    .sort((a, b) => String(b.metadata?.creationTimestamp ?? "").localeCompare(String(a.metadata?.creationTimestamp ?? "")));
  const pod = pods[0];
  const port = pod?.spec?.containers[0]?.ports?.[0]?.containerPort;
  if (pod?.status?.podIP === undefined || port === undefined) throw new Error(`no running pod${prefix ? ` ${prefix}…` : ""} with an IP and a port; ${await routeDiagnosis(apis, ns)}`);
  const at = `${pod.status.podIP}:${port}`;
  try {
    return await (await fetch(`http://${at}${path}`, { signal: AbortSignal.timeout(10_000) })).text();
  } catch (err) {
    throw new Error(`${describeFetchError(err)} at ${pod.metadata?.name} ${at}; ${await routeDiagnosis(apis, ns)}`, { cause: err });
  }
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string } };
  return `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ""}`;
}

/** ", restarted N times (last: reason, exit code)" when a container of `pod` restarted. */
function restarts(pod: { status?: { containerStatuses?: { restartCount: number; lastState?: { terminated?: { reason?: string; exitCode: number } } }[] } }): string {
  return (pod.status?.containerStatuses ?? [])
    .filter((c) => c.restartCount > 0)
    .map((c) => `, restarted ${c.restartCount} times (last: ${c.lastState?.terminated?.reason ?? "?"}, exit code ${c.lastState?.terminated?.exitCode ?? "?"})`)
    .join("");
}

/** The namespace's EndpointSlice addresses and pods, in one line. */
async function routeDiagnosis(apis: KubeApis, ns: string): Promise<string> {
  try {
    const slices = await apis.rest.json<{ items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] }>(
      "GET",
      `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
    );
    const endpoints = slices.items.flatMap((s) => s.endpoints ?? []).map((e) => `${e.addresses.join(",")}${e.conditions?.ready ? "" : " (not ready)"}`);
    const pods = (await apis.pods.list(ns)).items.map(
      (p) =>
        `${p.metadata?.name} ${p.status?.podIP ?? "no IP"} ${p.status?.phase}${p.metadata?.deletionTimestamp ? " terminating" : ""}${p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? " ready" : ""}${restarts(p)}`,
    );
    return `endpoints [${endpoints.join("; ")}], pods [${pods.join("; ")}]`;
  } catch (err) {
    return `(no diagnosis: ${(err as Error).message})`;
  }
}
