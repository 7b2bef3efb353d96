import {
  type AppSpec,
  CancelledError,
  type ConfigStore,
  DeployFailedError,
  type DeployRequest,
  type Logger,
  type OutputSink,
  type Release,
  type ReleaseManager,
} from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { requireAppObject, updateAppSpec } from "../app-store.ts";
import { createConfigStore } from "../config-store.ts";
import { type ReleaseDraft, type ReleaseStore, createReleaseStore } from "../release-store.ts";
import { DEFAULT_REPLICAS } from "../render/deployment.ts";
import { processTypes } from "../render/context.ts";
import { type RenderOptions, renderOptions } from "../render/options.ts";
import { normaliseSpec } from "../resources/app-object.ts";
import { KeyedLock } from "./app-lock.ts";
import { runReleasePhase } from "./release-phase.ts";
import { type RolloutFailure, waitForRollout } from "./wait-rollout.ts";

/** Options of the ReleaseManager; every field has a default. */
export interface ReleaseManagerOptions {
  /** Must match the reconciler's render options (for the release-phase Job). */
  readonly render?: Partial<RenderOptions>;
  /** How often rollout and Job state are polled. @defaultValue 1000 */
  readonly pollMs?: number;
  /** Rollout wait before calling it failed. @defaultValue progressDeadlineSeconds + 30 s */
  readonly rolloutTimeoutMs?: number;
  /** Release-phase time limit. @defaultValue 600000 */
  readonly releasePhaseTimeoutMs?: number;
  /** Lines of a crashing container's log shown on failure. @defaultValue 20 */
  readonly crashLogLines?: number;
}

/** Creates the ReleaseManager (releases, deploys with automatic rollback). */
export function createReleaseManager(deps: {
  apis: KubeApis;
  logger: Logger;
  options?: ReleaseManagerOptions;
  config?: ConfigStore;
  releases?: ReleaseStore;
}): ReleaseManager {
  const { apis } = deps;
  const options = deps.options ?? {};
  const render = renderOptions(options.render);
  const config = deps.config ?? createConfigStore(apis);
  const releases = deps.releases ?? createReleaseStore(apis);
  const logger = deps.logger.child({ component: "releases" });
  const pollMs = options.pollMs ?? 1000;
  const rolloutTimeoutMs = options.rolloutTimeoutMs ?? (render.progressDeadlineSeconds + 30) * 1000;
  const numbering = new KeyedLock();

  /** Makes the release, runs its release phase, switches the App to it, waits, rolls back on failure. */
  async function ship(
    app: string,
    draft: ReleaseDraft,
    readVars: () => Promise<Readonly<Record<string, string>>>,
    out: OutputSink,
    signal: AbortSignal,
    steps: { releasePhase: boolean; wait: boolean },
  ): Promise<Release> {
    const obj = await requireAppObject(apis, app);
    const previous = normaliseSpec(obj.spec).release;
    const release = await numbering.run(app, async () =>
      releases.create(app, obj.metadata.uid ?? "", draft, await readVars()),
    );
    logger.info({ app, release: release.number, description: release.description }, "release created");
    out.line(`-----> Releasing ${app} v${release.number} (${release.description})`);

    if (steps.releasePhase && release.releaseCommand !== undefined && release.releaseCommand.trim() !== "") {
      try {
        await runReleasePhase(
          apis,
          { app, appUid: obj.metadata.uid ?? "", spec: normaliseSpec(obj.spec), options: render },
          release,
          out,
          signal,
          { pollMs, timeoutMs: options.releasePhaseTimeoutMs ?? 600_000 },
        );
        await releases.setStatus(app, release.number, { releasePhase: "Succeeded" });
      } catch (err) {
        await releases.setStatus(app, release.number, { releasePhase: "Failed", rollout: "Failed", message: (err as Error).message }).catch(() => undefined);
        throw err;
      }
    } else {
      await releases.setStatus(app, release.number, { releasePhase: "NotRequired" });
    }
    if (signal.aborted) throw new CancelledError("deploy cancelled before rollout; nothing changed");

    const switched = await updateAppSpec(apis, app, (spec) => withRelease(spec, release));
    const newer = supersededBy(switched.spec.release, release.number);
    if (newer !== undefined) {
      out.line(`-----> v${release.number} was superseded by v${newer}, which is rolling out`);
      return releases.get(app, release.number);
    }
    if (!steps.wait) return releases.get(app, release.number);
    out.line(`-----> Waiting for v${release.number} to become ready`);

    let failure: RolloutFailure | "superseded" | undefined;
    try {
      failure = await waitForRollout(apis, release, out, signal, {
        superseded: async () => supersededBy((await requireAppObject(apis, app)).spec.release, release.number),
        pollMs,
        timeoutMs: rolloutTimeoutMs,
        logLines: options.crashLogLines ?? 20,
      });
    } catch (err) {
      // Cancelled mid-rollout: never leave a half-rolled release behind.
      await revert(app, release.number, previous, out);
      throw err;
    }
    if (failure === "superseded") {
      out.line(`-----> v${release.number} was superseded by a newer release`);
      return releases.get(app, release.number);
    }
    if (failure === undefined) {
      await releases.setStatus(app, release.number, { rollout: "Succeeded" });
      out.line(`=====> Released v${release.number}`);
      return (await releases.get(app, release.number));
    }
    await releases.setStatus(app, release.number, { rollout: "Failed", message: failure.message }).catch(() => undefined);
    const back = await revert(app, release.number, previous, out);
    const lines = [
      `v${release.number} did not become ready: ${failure.message}`,
      ...(failure.logLines.length > 0 ? [`last log lines of ${failure.logSource ?? "the container"}:`, ...failure.logLines.map((l) => `  ${l}`)] : []),
      back,
    ];
    throw new DeployFailedError(lines.join("\n"), {
      hint: "fix the problem and deploy again",
    });
  }

  /** Puts spec.release back to what ran before; says so. */
  async function revert(app: string, failed: number, previous: number | undefined, out: OutputSink): Promise<string> {
    await updateAppSpec(apis, app, (spec) => {
      if (spec.release !== failed) return spec; // someone deployed since: leave theirs alone
      const { release: _drop, ...rest } = spec;
      return previous === undefined ? rest : { ...rest, release: previous };
    });
    const text = previous === undefined
      ? `rolled back: v${failed} was stopped (there was no earlier release)`
      : `rolled back to v${previous}, which keeps serving`;
    out.line(`-----> ${text}`);
    logger.warn({ app, failed, previous }, "rollout failed; rolled back");
    return text;
  }

  return {
    list: async (app) => {
      await requireAppObject(apis, app);
      return releases.list(app);
    },

    get: (app, number) => releases.get(app, number),

    async deploy(request: DeployRequest, out, signal) {
      return ship(
        request.app,
        {
          image: request.image,
          processes: request.processes,
          ...(request.releaseCommand === undefined ? {} : { releaseCommand: request.releaseCommand }),
          gitSha: request.gitSha,
          author: request.author,
          description: request.description,
        },
        () => config.get(request.app),
        out,
        signal,
        { releasePhase: true, wait: true },
      );
    },

    async reconfigure(app, author, description, out, reconfigureOptions) {
      const obj = await requireAppObject(apis, app);
      const current = normaliseSpec(obj.spec).release;
      if (current === undefined) return undefined;
      const base = await releases.get(app, current);
      // Heroku runs the release phase on config changes too (migrations may read config).
      return ship(app, draftFrom(base, author, description), () => config.get(app), out, new AbortController().signal, {
        releasePhase: true,
        wait: reconfigureOptions?.wait ?? true,
      });
    },

    async rollback(app, number, author, out) {
      const target = await releases.get(app, number);
      const vars = await releases.vars(app, number);
      // Heroku semantics: rollback restores the config too, so later releases start from it.
      await config.update(app, () => ({ ...vars }));
      return ship(app, draftFrom(target, author, `Rollback to v${number}`), () => Promise.resolve(vars), out, new AbortController().signal, {
        releasePhase: false,
        wait: true,
      });
    },
  };
}

function draftFrom(base: Release, author: string, description: string): ReleaseDraft {
  return {
    image: base.image,
    processes: base.processes,
    ...(base.releaseCommand === undefined ? {} : { releaseCommand: base.releaseCommand }),
    ...(base.gitSha === undefined ? {} : { gitSha: base.gitSha }),
    author,
    description,
  };
}

/** The newer release number when `current` is past `mine`, else undefined. */
function supersededBy(current: number | undefined, mine: number): number | undefined {
  return current !== undefined && current > mine ? current : undefined;
}

/**
 * The spec pointing at `release`, with a scale entry for each of its process types. Releases
 * only move forward: a spec already on a newer release is returned unchanged.
 */
export function withRelease(spec: AppSpec, release: Release): AppSpec {
  if (spec.release !== undefined && spec.release > release.number) return spec;
  const processes = { ...spec.processes };
  for (const type of processTypes(release)) processes[type] ??= { replicas: DEFAULT_REPLICAS };
  return { ...spec, processes, release: release.number };
}
