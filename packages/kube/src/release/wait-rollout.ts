import { CancelledError, type OutputSink, type Release, appNamespace } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { LABEL_RELEASE, names } from "../labels.ts";
import { processTypes } from "../render/context.ts";
import {
  type ProcessRollout,
  findPodProblem,
  processRollout,
  progressLine,
  unreadyRunningPods,
} from "../reconciler/rollout-state.ts";
import { previousLogTail } from "./log-stream.ts";
import { sleep } from "./sleep.ts";

/** Why a rollout failed, in words for the push output, with the crashing container's last lines. */
export interface RolloutFailure {
  readonly reason: string;
  readonly message: string;
  readonly logLines: readonly string[];
  readonly logSource?: string;
}

/** Options of waitForRollout. */
export interface WaitRolloutOptions {
  /** Resolves a number when a newer release replaced this one (stop waiting). */
  readonly superseded: () => Promise<number | undefined>;
  readonly pollMs: number;
  /** Give up (and call it failed readiness) after this long. */
  readonly timeoutMs: number;
  /** Log lines of a crashing container to show. */
  readonly logLines: number;
}

/**
 * Waits until every process of `release` is rolled out and ready, printing `web: 2/3 ready`
 * whenever a count changes. Resolves undefined on success, or the failure: a crash loop or
 * image pull error on a pod of this release, a progress deadline, or our own timeout;
 * "superseded" when a newer release took over meanwhile.
 */
export async function waitForRollout(
  apis: KubeApis,
  release: Release,
  out: OutputSink,
  signal: AbortSignal,
  options: WaitRolloutOptions,
): Promise<RolloutFailure | "superseded" | undefined> {
  const namespace = appNamespace(release.app);
  const types = processTypes(release);
  const deadline = Date.now() + options.timeoutMs;
  const printed = new Map<string, string>();
  for (;;) {
    if (signal.aborted) throw new CancelledError(`waiting for v${release.number} was cancelled`);
    const states: ProcessRollout[] = [];
    for (const type of types) {
      try {
        const d = await apis.deployments.read(namespace, names.deployment(release.app, type));
        states.push({ ...processRollout(d, release.number), process: type });
      } catch {
        states.push({ process: type, desired: 0, ready: 0, complete: false });
      }
    }
    for (const s of states) {
      const line = progressLine(s);
      if (s.desired > 0 && printed.get(s.process) !== line) {
        printed.set(s.process, line);
        out.line(`       ${line}`);
      }
    }
    if (states.every((s) => s.complete)) return undefined;
    if ((await options.superseded()) !== undefined) return "superseded";

    const pods = (await apis.pods.list(namespace, { labelSelector: `${LABEL_RELEASE}=v${release.number}` })).items;
    const problem = findPodProblem(pods);
    if (problem !== undefined) {
      const logLines = await previousLogTail(apis, { namespace, pod: problem.pod, container: problem.container }, options.logLines);
      const exit = problem.exitCode === undefined ? "" : ` (exit code ${problem.exitCode})`;
      return {
        reason: problem.reason,
        message: `${problem.container} pod ${problem.pod} is in ${problem.reason}${exit}${problem.message ? `: ${problem.message}` : ""}`,
        logLines,
        logSource: `${problem.container} (${problem.pod}, previous run)`,
      };
    }
    const stalled = states.find((s) => s.stalled !== undefined);
    if (stalled !== undefined || Date.now() > deadline) {
      const unready = unreadyRunningPods(pods);
      const summary = states.map(progressLine).join(", ");
      const first = pods.find((p) => p.metadata?.name === unready[0]);
      const container = first?.spec?.containers[0]?.name;
      const logLines = first === undefined || container === undefined
        ? []
        : await previousLogTail(apis, { namespace, pod: unready[0] ?? "", container }, options.logLines);
      return {
        ...(logLines.length > 0 ? { logSource: `${container ?? "?"} (${unready[0] ?? "?"})` } : {}),
        reason: unready.length > 0 ? "FailedReadiness" : "ProgressDeadlineExceeded",
        message:
          unready.length > 0
            ? `failed readiness: ${unready.join(", ")} running but never ready (${summary})`
            : `not ready in time (${summary})${stalled?.stalled ? `: ${stalled.stalled}` : ""}`,
        logLines,
      };
    }
    await sleep(options.pollMs, signal);
  }
}
