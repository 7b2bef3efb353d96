import type { Deployment, KubeObject } from "../rest/wire.ts";
import { type Logger, NotFoundError, type Release, appNamespace } from "@qs/core";
import { type KubeApis, isConflict, isNotFound } from "../apis.ts";
import { readAppObject } from "../app-store.ts";
import { stableStringify } from "../hash.ts";
import { LABEL_RELEASE, renderedSelector } from "../labels.ts";
import type { ReleaseStore } from "../release-store.ts";
import { renderApp } from "../render/app.ts";
import type { RenderOptions } from "../render/options.ts";
import { type AppObject, type AppObjectStatus, appObjects, normaliseSpec } from "../resources/app-object.ts";
import { applyObject } from "./apply.ts";
import type { KindOps } from "./kinds.ts";
import { findPodProblem, processRollout } from "./rollout-state.ts";
import { computeStatus } from "./status.ts";

/** What one reconcile pass needs. */
export interface ReconcileContext {
  readonly apis: KubeApis;
  readonly kinds: readonly KindOps[];
  readonly releases: ReleaseStore;
  readonly render: RenderOptions;
  readonly logger: Logger;
}

/** Counts of what a pass changed (for logs and tests). */
export interface ReconcileResult {
  readonly created: number;
  readonly updated: number;
  readonly pruned: number;
}

/**
 * One level-triggered pass for one app: read the App and its release, render, apply what
 * differs, prune what is no longer wanted, write status. Safe to run any number of times.
 */
export async function reconcileApp(ctx: ReconcileContext, name: string): Promise<ReconcileResult> {
  const obj = await readAppObject(ctx.apis, name);
  const result = { created: 0, updated: 0, pruned: 0 };
  if (obj === undefined || (obj.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined) return result;
  const spec = normaliseSpec(obj.spec);
  const namespace = appNamespace(name);

  let release: Release | undefined;
  let releaseError: string | undefined;
  if (spec.release !== undefined) {
    try {
      release = await ctx.releases.get(name, spec.release);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      releaseError = `release v${spec.release} does not exist`;
    }
  }

  // Without a readable release, keep whatever runs rather than pruning the app away.
  const desired = releaseError === undefined
    ? renderApp({ app: name, appUid: obj.metadata.uid ?? "", spec, release, options: ctx.render })
    : [];
  const wanted = new Set(desired.map((o) => `${o.kind}/${o.metadata?.name}`));
  for (const ops of ctx.kinds) {
    // One list per kind serves both the comparison and the prune: an unchanged app costs
    // a handful of reads per pass and no writes.
    const live: KubeObject[] = await ops.list(namespace, renderedSelector(name));
    const byName = new Map(live.map((o) => [o.metadata?.name ?? "", o]));
    for (const d of desired.filter((o) => o.kind === ops.kind)) {
      const r = await applyObject(ops, d, byName.get(d.metadata?.name ?? ""));
      if (r !== "unchanged") {
        result[r]++;
        ctx.logger.info({ app: name, kind: ops.kind, name: d.metadata?.name }, `${r} ${ops.kind}`);
      }
    }
    if (releaseError !== undefined) continue;
    for (const o of live) {
      if (wanted.has(`${ops.kind}/${o.metadata?.name}`) || o.metadata?.deletionTimestamp !== undefined) continue;
      try {
        await ops.delete(namespace, o.metadata?.name ?? "");
        result.pruned++;
        ctx.logger.info({ app: name, kind: ops.kind, name: o.metadata?.name }, `pruned ${ops.kind}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  await writeStatus(ctx, obj, release, releaseError);
  return result;
}

async function writeStatus(ctx: ReconcileContext, obj: AppObject, release: Release | undefined, releaseError: string | undefined): Promise<void> {
  const name = obj.metadata.name;
  const namespace = obj.metadata.namespace;
  const deployments: Deployment[] = (
    await ctx.apis.deployments.list(namespace, { labelSelector: renderedSelector(name) })
  ).items;
  const processes = release === undefined
    ? []
    : deployments.filter((d) => d.metadata?.deletionTimestamp === undefined).map((d) => processRollout(d, release.number));
  const settled = processes.every((p) => p.complete);
  const pods = release === undefined || settled
    ? []
    : (await ctx.apis.pods.list(namespace, { labelSelector: `${LABEL_RELEASE}=v${release.number}` })).items;
  const problem = findPodProblem(pods);
  const status = computeStatus({
    generation: obj.metadata.generation ?? 0,
    release: obj.spec.release,
    ...(releaseError === undefined ? {} : { releaseError }),
    processes: processes.sort((a, b) => a.process.localeCompare(b.process)),
    ...(problem === undefined ? {} : { problem }),
    previous: obj.status,
    now: new Date().toISOString(),
  });
  if (sameStatus(status, obj.status)) return;
  // Replace with the resourceVersion read at the start: a 409 means the App changed, and its
  // watch event queues this app again, so the conflict needs no retry of its own.
  try {
    await appObjects(ctx.apis).replaceStatus(namespace, name, { ...obj, status });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

function sameStatus(a: AppObjectStatus, b: AppObjectStatus | undefined): boolean {
  return stableStringify(a) === stableStringify(b);
}
