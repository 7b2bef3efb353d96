import type { Job, Pod } from "../rest/wire.ts";
import { CancelledError, DeployFailedError, type OutputSink, type Release, appNamespace } from "@qs/core";
import { type KubeApis, isConflict } from "../apis.ts";
import { LABEL_PROCESS, LABEL_RELEASE, names } from "../labels.ts";
import type { RenderInput } from "../render/context.ts";
import { buildReleaseJob } from "../render/release-job.ts";
import { followLog, previousLogTail } from "./log-stream.ts";
import { sleep } from "./sleep.ts";

/** Options of the release phase. */
export interface ReleasePhaseOptions {
  readonly pollMs: number;
  /** Give up after this long. */
  readonly timeoutMs: number;
}

/**
 * Runs the release command as a Job and streams its output. Resolves when it succeeded;
 * throws DeployFailedError (with the exit code and last lines) when it failed.
 */
export async function runReleasePhase(
  apis: KubeApis,
  input: Omit<RenderInput, "release">,
  release: Release,
  out: OutputSink,
  signal: AbortSignal,
  options: ReleasePhaseOptions,
): Promise<void> {
  const namespace = appNamespace(release.app);
  const jobName = names.releaseJob(release.app, release.number);
  out.line(`-----> Running release command: ${release.releaseCommand ?? ""}`);
  try {
    await apis.jobs.create(namespace, buildReleaseJob(input, release, { activeDeadlineSeconds: Math.ceil(options.timeoutMs / 1000) }));
  } catch (err) {
    if (!isConflict(err)) throw err; // a retried deploy of the same release reuses its Job
  }
  const deadline = Date.now() + options.timeoutMs;
  let following: Promise<void> | undefined;
  let pod: Pod | undefined;
  const stopLogs = new AbortController();
  const abortLogs = (): void => stopLogs.abort();
  signal.addEventListener("abort", abortLogs, { once: true });
  try {
    for (;;) {
      if (signal.aborted) throw new CancelledError("deploy cancelled during the release phase");
      const job: Job = await apis.jobs.read(namespace, jobName);
      pod = (await apis.pods.list(namespace, { labelSelector: `${LABEL_PROCESS}=release,${LABEL_RELEASE}=v${release.number}` })).items[0] ?? pod;
      const cs = pod?.status?.containerStatuses?.[0];
      if (following === undefined && pod?.metadata?.name !== undefined && (cs?.state?.running !== undefined || cs?.state?.terminated !== undefined)) {
        following = followLog(apis, { namespace, pod: pod.metadata.name, container: "release" }, out, stopLogs.signal).catch(() => undefined);
      }
      const done = job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
      if (done !== undefined || (job.status?.succeeded ?? 0) > 0 || (job.status?.failed ?? 0) > 0) {
        // Let the log stream drain (it ends when the container exits), but do not hang on it.
        await Promise.race([following, sleep(3000)]);
        const failed = done?.type === "Failed" || ((job.status?.failed ?? 0) > 0 && (job.status?.succeeded ?? 0) === 0);
        if (!failed) return;
        const exit = pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
        const tail = following === undefined && pod?.metadata?.name !== undefined
          ? await previousLogTail(apis, { namespace, pod: pod.metadata.name, container: "release" })
          : [];
        throw new DeployFailedError(
          [
            `release command failed${exit === undefined ? "" : ` with exit code ${exit}`}${done?.message ? `: ${done.message}` : ""}; v${release.number} was not deployed`,
            ...tail.map((l) => `  ${l}`),
          ].join("\n"),
          { hint: "the running release is untouched; fix the release command and push again" },
        );
      }
      if (Date.now() > deadline) {
        throw new DeployFailedError(`release command did not finish within ${Math.round(options.timeoutMs / 1000)} s`, {
          hint: "the running release is untouched",
        });
      }
      await sleep(options.pollMs, signal);
    }
  } finally {
    stopLogs.abort();
    signal.removeEventListener("abort", abortLogs);
  }
}
