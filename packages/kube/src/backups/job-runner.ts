import { CancelledError, UnavailableError } from "@qs/core";
import { type KubeApis, ignoreNotFound, isConflict } from "../apis.ts";
import type { Job, Pod } from "../rest/wire.ts";

type ContainerStatus = NonNullable<NonNullable<Pod["status"]>["containerStatuses"]>[number];

/** How a restic run ended: its termination message (summary on success, reason on failure). */
export interface ResticRunResult {
  readonly ok: boolean;
  readonly message: string;
}

/** How long a Job may stay without a pod before the run counts as refused. */
const POD_CREATE_TIMEOUT_MS = 30_000;

/** The newest warning about a Job (FailedCreate: why its pod was refused). */
async function lastEvent(apis: KubeApis, namespace: string, name: string): Promise<string | undefined> {
  const events = await apis.rest.json<{ items: { type?: string; message?: string; lastTimestamp?: string }[] }>("GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
    query: { fieldSelector: `involvedObject.kind=Job,involvedObject.name=${name}` },
  });
  return events.items.filter((e) => e.type === "Warning").sort((a, b) => (a.lastTimestamp ?? "").localeCompare(b.lastTimestamp ?? "")).at(-1)?.message;
}

/** Waiting reasons that do not resolve by themselves. */
const STUCK = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"]);

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new CancelledError("cancelled"));
      return;
    }
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new CancelledError("cancelled"));
    }, { once: true });
  });

/** Creates `job` and waits until it completes or fails; a stuck pod counts as failed. */
export async function runResticJob(apis: KubeApis, job: Job, options: { pollMs: number; timeoutMs: number; signal: AbortSignal }): Promise<ResticRunResult> {
  const namespace = job.metadata?.namespace ?? "";
  const name = job.metadata?.name ?? "";
  try {
    await apis.jobs.create(namespace, job);
  } catch (err) {
    if (isConflict(err)) throw new UnavailableError("BACKUP_JOB_EXISTS", `a Job named ${name} exists already in ${namespace}`, { hint: "wait a second and try again", cause: err });
    throw err;
  }
  const started = Date.now();
  const until = started + options.timeoutMs;
  while (Date.now() < until) {
    await sleep(options.pollMs, options.signal);
    const result = await jobResult(apis, namespace, name);
    if (result !== undefined) return result;
    // The Job controller retries a refused pod (admission, quota) for ever: say why instead.
    if (Date.now() - started > POD_CREATE_TIMEOUT_MS && (await apis.pods.list(namespace, { labelSelector: `job-name=${name}` })).items.length === 0) {
      const refused = await lastEvent(apis, namespace, name);
      await ignoreNotFound(() => apis.jobs.delete(namespace, name, { propagationPolicy: "Background" }));
      return { ok: false, message: `no pod could be created: ${refused ?? "see kubectl describe job"}` };
    }
  }
  await ignoreNotFound(() => apis.jobs.delete(namespace, name, { propagationPolicy: "Background" }));
  return { ok: false, message: `no result after ${Math.round(options.timeoutMs / 1000)} s; the run was stopped` };
}

/** The result of a finished Job (undefined while it runs), read from its pods' termination messages. */
export async function jobResult(apis: KubeApis, namespace: string, name: string, known?: Job): Promise<ResticRunResult | undefined> {
  const job = known ?? (await apis.jobs.read(namespace, name));
  const conditions = job.status?.conditions ?? [];
  const done = conditions.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  const pod = (await apis.pods.list(namespace, { labelSelector: `job-name=${name}` })).items[0];
  // Dump, load and verify steps run as init containers before (or after) restic: a failed
  // one stops the pod, and its words are the reason.
  const statuses = [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
  const main = pod?.status?.containerStatuses?.[0];
  const message = main?.state?.terminated?.message?.trim() ?? "";
  const stuck = statuses.find((s) => s.state?.waiting?.reason !== undefined && STUCK.has(s.state.waiting.reason));
  if (done === undefined) {
    if (stuck !== undefined) {
      await ignoreNotFound(() => apis.jobs.delete(namespace, name, { propagationPolicy: "Background" }));
      const waiting = stuck.state?.waiting;
      return { ok: false, message: `${waiting?.reason ?? ""}: ${waiting?.message ?? `the ${stuck.name} image cannot be run`}` };
    }
    return undefined;
  }
  if (done.type === "Complete") return { ok: true, message };
  const failed = statuses.find((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
  const failedMessage = failed?.state?.terminated?.message?.trim() ?? "";
  return { ok: false, message: failedMessage || message || podReason(failed) || done.message || done.reason || "the run failed" };
}

function podReason(status: ContainerStatus | undefined): string {
  const t = status?.state?.terminated;
  return t === undefined ? "" : `${status?.name ?? ""} ${t.reason ?? "exited"} (exit code ${t.exitCode})`.trim();
}
