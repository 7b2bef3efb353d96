import { PassThrough } from "node:stream";
import { createInterface } from "node:readline";
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  Log,
  type KubeConfig,
  type V1Job,
  type V1Pod,
  type V1ContainerStatus,
} from "@kubernetes/client-node";
import {
  CancelledError,
  UnavailableError,
  type BuilderJobRequest,
  type BuilderOutcome,
  type BuildLogLine,
  type BuildRunner,
} from "@qs/core";

/** Options for createBuildRunner. */
export interface BuildRunnerOptions {
  /** How often pod status is read while waiting. @defaultValue 250 */
  readonly pollMs?: number;
  /** Give up on a Job whose pod does not appear. @defaultValue 120000 */
  readonly podStartTimeoutMs?: number;
}

/** Waiting reasons that will not resolve by themselves: the pod is reported as failed. */
const STUCK = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
]);

/**
 * BuildRunner over client-node: creates the builder Job, follows its pod's containers'
 * logs in order, reads how they ended from pod status (the builder's termination message
 * carries the digest), and deletes the Job (Background propagation) when cancelled.
 */
export function createBuildRunner(
  config: KubeConfig,
  options: BuildRunnerOptions = {},
): BuildRunner {
  const batch = config.makeApiClient(BatchV1Api);
  const core = config.makeApiClient(CoreV1Api);
  const logs = new Log(config);
  const pollMs = options.pollMs ?? 250;
  const podStartTimeoutMs = options.podStartTimeoutMs ?? 120_000;

  async function deleteJob(namespace: string, name: string): Promise<void> {
    await batch
      .deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" })
      .catch((err: unknown) => {
        if (!(err instanceof ApiException && err.code === 404)) throw err;
      });
  }

  async function createJob(request: BuilderJobRequest, signal: AbortSignal): Promise<void> {
    const body = request.manifest as V1Job;
    try {
      await batch.createNamespacedJob({ namespace: request.namespace, body });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) throw err;
      // Left over from an earlier attempt of the same build: remove it, then create anew.
      await deleteJob(request.namespace, request.name);
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        await sleep(pollMs, signal);
        const gone = await batch
          .readNamespacedJob({ name: request.name, namespace: request.namespace })
          .then(
            () => false,
            (e: unknown) => e instanceof ApiException && e.code === 404,
          );
        if (gone) break;
      }
      await batch.createNamespacedJob({ namespace: request.namespace, body });
    }
  }

  async function findPod(request: BuilderJobRequest, signal: AbortSignal): Promise<V1Pod> {
    const until = Date.now() + podStartTimeoutMs;
    while (Date.now() < until) {
      const list = await core.listNamespacedPod({
        namespace: request.namespace,
        labelSelector: `job-name=${request.name}`,
      });
      const pod = list.items[0];
      if (pod !== undefined) return pod;
      await sleep(pollMs, signal);
    }
    throw new UnavailableError(
      "BUILDER_POD_MISSING",
      `no pod appeared for builder Job ${request.name}`,
      {
        hint: "check the cluster's capacity and the Job's events (kubectl -n qs-builds describe job)",
      },
    );
  }

  function statusOf(pod: V1Pod, container: string): V1ContainerStatus | undefined {
    return [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ].find((s) => s.name === container);
  }

  async function readPod(namespace: string, name: string): Promise<V1Pod> {
    return core.readNamespacedPod({ name, namespace });
  }

  /** Waits until `container` has started (or ended); undefined when it never will. */
  async function waitStarted(
    namespace: string,
    podName: string,
    container: string,
    signal: AbortSignal,
  ): Promise<BuilderOutcome | undefined> {
    for (;;) {
      const pod = await readPod(namespace, podName);
      const status = statusOf(pod, container);
      if (status?.state?.running !== undefined || status?.state?.terminated !== undefined)
        return undefined;
      const waiting = status?.state?.waiting?.reason;
      if (waiting !== undefined && STUCK.has(waiting)) {
        return {
          succeeded: false,
          container,
          exitCode: -1,
          reason: waiting,
          message: status?.state?.waiting?.message,
        };
      }
      if (pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded") {
        return {
          succeeded: false,
          container,
          exitCode: -1,
          reason: pod.status.reason ?? "PodEnded",
          message: pod.status.message,
        };
      }
      await sleep(pollMs, signal);
    }
  }

  /**
   * Follows one container's log until it ends. Log streams can close early (client-node
   * notes this), so it re-follows while the container runs, skipping lines already seen by
   * their timestamps.
   */
  async function follow(
    namespace: string,
    podName: string,
    container: string,
    onLine: (l: BuildLogLine) => void,
    signal: AbortSignal,
  ): Promise<void> {
    // Re-follows start at the last timestamp seen; lines at that very timestamp that were
    // already forwarded are skipped by count (several lines can share one timestamp).
    let last = "";
    let atLast = 0;
    for (;;) {
      let skip = atLast;
      const stream = new PassThrough();
      // client-node pipes the response into `stream` without forwarding its errors; an
      // abort errors that source, so it gets a handler here (the loop below ends anyway).
      stream.on("pipe", (source: NodeJS.ReadableStream) => source.on("error", () => stream.end()));
      const controller = await logs.log(namespace, podName, container, stream, {
        follow: true,
        timestamps: true,
        ...(last === "" ? {} : { sinceTime: last.replace(/\.\d+Z$/, "Z") }),
      });
      const stop = (): void => controller.abort();
      signal.addEventListener("abort", stop, { once: true });
      try {
        for await (const raw of createInterface({ input: stream, crlfDelay: Infinity })) {
          const space = raw.indexOf(" ");
          const time = sortableTime(raw.slice(0, space));
          if (time < last) continue;
          if (time === last && skip > 0) {
            skip--;
            continue;
          }
          if (time === last) atLast++;
          else [last, atLast] = [time, 1];
          onLine({ container, text: raw.slice(space + 1) });
        }
      } finally {
        signal.removeEventListener("abort", stop);
      }
      signal.throwIfAborted();
      const state = statusOf(await readPod(namespace, podName), container)?.state;
      if (state?.running === undefined) return;
    }
  }

  /** How a container ended, once pod status says it has. */
  async function ended(
    namespace: string,
    podName: string,
    container: string,
    signal: AbortSignal,
  ): Promise<BuilderOutcome> {
    for (;;) {
      const pod = await readPod(namespace, podName);
      const terminated = statusOf(pod, container)?.state?.terminated;
      if (terminated !== undefined) {
        return {
          succeeded: terminated.exitCode === 0,
          container,
          exitCode: terminated.exitCode,
          ...(terminated.reason === undefined ? {} : { reason: terminated.reason }),
          ...(terminated.message === undefined ? {} : { message: terminated.message }),
        };
      }
      if (pod.status?.phase === "Failed") {
        return {
          succeeded: false,
          container,
          exitCode: -1,
          reason: pod.status.reason ?? "Failed",
          message: pod.status.message,
        };
      }
      await sleep(pollMs, signal);
    }
  }

  return {
    async run(request, onLine, signal) {
      const { namespace } = request;
      try {
        signal.throwIfAborted();
        await createJob(request, signal);
        const pod = await findPod(request, signal);
        const podName = pod.metadata?.name ?? "";
        let outcome: BuilderOutcome | undefined;
        for (const container of request.containers) {
          const stuck = await waitStarted(namespace, podName, container, signal);
          if (stuck !== undefined) return stuck;
          await follow(namespace, podName, container, onLine, signal);
          outcome = await ended(namespace, podName, container, signal);
          if (!outcome.succeeded) return outcome;
        }
        return await ended(namespace, podName, request.builderContainer, signal);
      } catch (err) {
        if (signal.aborted) {
          await deleteJob(namespace, request.name).catch(() => undefined);
          throw new CancelledError(`build stopped: ${reasonOf(signal)}`, { cause: err });
        }
        throw asUnavailable(err);
      }
    },

    async deleteJobs(namespace, labelSelector) {
      try {
        const jobs = await batch.listNamespacedJob({ namespace, labelSelector });
        await Promise.all(jobs.items.map((job) => deleteJob(namespace, job.metadata?.name ?? "")));
        return jobs.items.length;
      } catch (err) {
        throw asUnavailable(err);
      }
    },
  };
}

/**
 * RFC 3339 timestamps as the kubelet writes them (RFC3339Nano trims trailing zeros, so
 * `…13.12Z` would sort after `…13.123Z`): the fraction padded to 9 digits.
 */
function sortableTime(time: string): string {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(time);
  return m === null ? time : `${m[1] ?? ""}.${(m[2] ?? "").padEnd(9, "0")}Z`;
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  return typeof reason === "string" ? reason : "aborted";
}

function asUnavailable(err: unknown): Error {
  if (err instanceof UnavailableError || err instanceof CancelledError) return err;
  const detail = err instanceof ApiException ? `HTTP ${err.code}` : (err as Error).message;
  return new UnavailableError(
    "KUBERNETES_UNAVAILABLE",
    `the Kubernetes API failed while running a build: ${detail}`,
    { cause: err },
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
