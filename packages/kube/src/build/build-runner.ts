import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { createInterface } from "node:readline";
import {
  CancelledError,
  UnavailableError,
  type BuilderJobRequest,
  type BuilderOutcome,
  type BuildLogLine,
  type BuildRunner,
} from "@qs/core";
import {
  type KubeApis,
  ignoreNotFound,
  isConflict,
  isNotFound,
  podLogPath,
  statusOf,
} from "../apis.ts";
import type { Job, Pod } from "../rest/wire.ts";
import { isTransientWaiting } from "../reconciler/rollout-state.ts";

type ContainerStatus = NonNullable<NonNullable<Pod["status"]>["containerStatuses"]>[number];

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
 * BuildRunner over the Kubernetes REST API: creates the builder Job, follows its pod's
 * containers' logs in order, reads how they ended from pod status (the builder's termination
 * message carries the digest) or goes on once the registry confirms the image the builder's
 * log says it pushed, and deletes the Job (Background propagation) when cancelled.
 */
export function createBuildRunner(apis: KubeApis, options: BuildRunnerOptions = {}): BuildRunner {
  const pollMs = options.pollMs ?? 250;
  const podStartTimeoutMs = options.podStartTimeoutMs ?? 120_000;

  async function deleteJob(namespace: string, name: string): Promise<void> {
    await ignoreNotFound(() =>
      apis.jobs.delete(namespace, name, { propagationPolicy: "Background" }),
    );
  }

  async function createJob(request: BuilderJobRequest, signal: AbortSignal): Promise<void> {
    const body = request.manifest as Job;
    try {
      await apis.jobs.create(request.namespace, body);
    } catch (err) {
      if (!isConflict(err)) throw err;
      // Left over from an earlier attempt of the same build: remove it, then create anew.
      await deleteJob(request.namespace, request.name);
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        await sleep(pollMs, signal);
        const gone = await apis.jobs.read(request.namespace, request.name).then(
          () => false,
          (e: unknown) => isNotFound(e),
        );
        if (gone) break;
      }
      await apis.jobs.create(request.namespace, body);
    }
  }

  async function findPod(request: BuilderJobRequest, signal: AbortSignal): Promise<Pod> {
    const until = Date.now() + podStartTimeoutMs;
    while (Date.now() < until) {
      const list = await apis.pods.list(request.namespace, {
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

  function containerStatus(pod: Pod, container: string): ContainerStatus | undefined {
    return [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ].find((s) => s.name === container);
  }

  async function readPod(namespace: string, name: string): Promise<Pod> {
    return apis.pods.read(namespace, name);
  }

  /** The pod's log of one container, as it is written (follow=true), ending with `signal`. */
  async function openLog(
    namespace: string,
    podName: string,
    container: string,
    sinceTime: string | undefined,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    return apis.rest.stream(podLogPath(apis, namespace, podName), {
      query: { container, follow: true, timestamps: true, sinceTime },
      signal,
    });
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
      const status = containerStatus(pod, container);
      if (status?.state?.running !== undefined || status?.state?.terminated !== undefined)
        return undefined;
      const waiting = status?.state?.waiting?.reason;
      if (
        waiting !== undefined &&
        STUCK.has(waiting) &&
        !isTransientWaiting(waiting, status?.state?.waiting?.message)
      ) {
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
   * Follows one container's log until it ends. Log streams can close early (the API server
   * or kubelet may drop a long follow), so it re-follows while the container runs, skipping
   * lines already seen by their timestamps.
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
      const res = await openLog(
        namespace,
        podName,
        container,
        last === "" ? undefined : last.replace(/\.\d+Z$/, "Z"),
        signal,
      );
      // An abort (or a dropped connection) errors the response; that only ends this follow:
      // the checks after the loop tell a cancelled build from a stream to pick up again.
      const stream = new PassThrough();
      res.on("error", () => stream.end());
      res.pipe(stream);
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
        res.destroy();
      }
      signal.throwIfAborted();
      const state = containerStatus(await readPod(namespace, podName), container)?.state;
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
      const terminated = containerStatus(pod, container)?.state?.terminated;
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

  /**
   * How the builder container ended, or, when the request says how to read its push line
   * and confirm it, the image it pushed as soon as the registry confirms it: pod status
   * reports an exit a second or more after the fact (the kubelet's relist), and the build
   * needs no more than the image. The termination message stays the authority when it
   * arrives first; a push line the registry does not confirm (a build's own output can print
   * anything) changes nothing, nor does a registry that does not answer.
   */
  async function builderEnded(
    request: BuilderJobRequest,
    podName: string,
    onLine: (l: BuildLogLine) => void,
    signal: AbortSignal,
  ): Promise<BuilderOutcome> {
    const { namespace, builderContainer: container, pushedDigest, confirmPushed } = request;
    if (pushedDigest === undefined || confirmPushed === undefined) {
      await follow(namespace, podName, container, onLine, signal);
      return ended(namespace, podName, container, signal);
    }
    const done = new AbortController();
    const inner = AbortSignal.any([signal, done.signal]);
    let confirmed: (outcome: BuilderOutcome) => void = () => undefined;
    const pushed = new Promise<BuilderOutcome>((resolve) => (confirmed = resolve));
    const check = (digest: string): void => {
      confirmPushed(digest).then(
        (ok) => {
          if (ok) confirmed({ succeeded: true, container, exitCode: 0, reason: "Pushed", digest });
        },
        // Unconfirmed: the container's own end decides, as without a push line.
        () => undefined,
      );
    };
    const exited = (async () => {
      await follow(
        namespace,
        podName,
        container,
        (line) => {
          onLine(line);
          const digest = pushedDigest(line.text);
          if (digest !== undefined) check(digest);
        },
        inner,
      );
      return ended(namespace, podName, container, inner);
    })();
    try {
      return await Promise.race([exited, pushed]);
    } finally {
      // Stops following and polling; the Job runs to its end and its TTL removes it.
      done.abort();
      exited.catch(() => undefined);
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
        for (const container of request.containers) {
          const stuck = await waitStarted(namespace, podName, container, signal);
          if (stuck !== undefined) return stuck;
          if (container === request.builderContainer) {
            return await builderEnded(request, podName, onLine, signal);
          }
          await follow(namespace, podName, container, onLine, signal);
          const outcome = await ended(namespace, podName, container, signal);
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
        const jobs = await apis.jobs.list(namespace, { labelSelector });
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
  const status = statusOf(err);
  const detail =
    status !== undefined ? `HTTP ${status}` : err instanceof Error ? err.message : String(err);
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
