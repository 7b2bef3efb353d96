import type { Deployment, Pod } from "../rest/wire.ts";
import { ANNOTATION_RELEASE, LABEL_PROCESS } from "../labels.ts";

/** Where one process type's Deployment stands in rolling out a release. */
export interface ProcessRollout {
  readonly process: string;
  readonly desired: number;
  /** Ready pods of the wanted release. */
  readonly ready: number;
  /** True when every pod runs the wanted release and is ready, and no old pod is left. */
  readonly complete: boolean;
  /** Set when Kubernetes gave up (progress deadline exceeded). */
  readonly stalled?: string;
}

/** Like `kubectl rollout status`: has this Deployment finished rolling out `release`? */
export function processRollout(d: Deployment, release: number): ProcessRollout {
  const process = d.metadata?.labels?.[LABEL_PROCESS] ?? d.metadata?.name ?? "?";
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const onRelease =
    d.spec?.template.metadata?.annotations?.[ANNOTATION_RELEASE] === String(release);
  const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  // Kubernetes omits availableReplicas when it is 0; ready is not available (minReadySeconds).
  const available = s.availableReplicas ?? 0;
  const ready = onRelease && observed ? Math.min(updated, s.readyReplicas ?? 0) : 0;
  const complete =
    onRelease && observed && updated >= desired && total <= updated && available >= updated;
  const deadline = s.conditions?.find(
    (c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded",
  );
  return {
    process,
    desired,
    ready: complete ? desired : ready,
    complete,
    ...(deadline !== undefined && onRelease && observed && !complete
      ? { stalled: deadline.message ?? "progress deadline exceeded" }
      : {}),
  };
}

/**
 * Waiting reasons that mean the pod will not come up without a change from the user.
 * ErrImagePull is left out: one failed pull may be a registry hiccup; the kubelet retries and
 * reports ImagePullBackOff when it keeps failing.
 */
const FATAL_REASONS = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

/**
 * The kubelet reports CreateContainerConfigError for a moment while its Secret and
 * ConfigMap caches catch up with a pod that was just bound ("failed to sync secret cache:
 * timed out waiting for the condition", seen on a real kubelet right after the first
 * deploy), then starts the container: only a lasting config error (a missing Secret or
 * key) is fatal.
 */
export function isTransientWaiting(reason: string, message: string | undefined): boolean {
  return reason === "CreateContainerConfigError" && /failed to sync \S+ cache/.test(message ?? "");
}

/** A pod that cannot become ready, and why. */
export interface PodProblem {
  readonly pod: string;
  readonly container: string;
  readonly reason: string;
  readonly message: string;
  readonly restarts: number;
  /** Exit code of the last terminated run, when there was one. */
  readonly exitCode?: number;
}

/** The first fatal container problem in these pods, if any (crash loop, image pull …). */
export function findPodProblem(pods: readonly Pod[]): PodProblem | undefined {
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    for (const cs of pod.status?.containerStatuses ?? []) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason === undefined || !FATAL_REASONS.has(waiting.reason)) continue;
      if (isTransientWaiting(waiting.reason, waiting.message)) continue;
      const exitCode = cs.lastState?.terminated?.exitCode;
      return {
        pod: pod.metadata?.name ?? "?",
        container: cs.name,
        reason: waiting.reason,
        message: waiting.message ?? "",
        restarts: cs.restartCount,
        ...(exitCode === undefined ? {} : { exitCode }),
      };
    }
  }
  return undefined;
}

/** Pods that run but whose readiness check fails (for "failed readiness" messages). */
export function unreadyRunningPods(pods: readonly Pod[]): string[] {
  return pods
    .filter((p) => p.status?.phase === "Running")
    .filter(
      (p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status !== "True") ?? false,
    )
    .map((p) => p.metadata?.name ?? "?");
}

/** `web: 2/3 ready` */
export function progressLine(p: ProcessRollout): string {
  return `${p.process}: ${p.ready}/${p.desired} ready`;
}
