import { LABEL_PROCESS } from "../labels.ts";
import type { Pod } from "../rest/wire.ts";

/** The process type of a pod (its `quickstack.dev/process` label, else its first container). */
export function processOf(pod: Pod): string {
  return pod.metadata?.labels?.[LABEL_PROCESS] ?? pod.spec?.containers[0]?.name ?? "app";
}

/** True once the pod's container has started (so its log can be read). */
export function hasStarted(pod: Pod): boolean {
  const s = pod.status?.containerStatuses?.[0];
  return s?.state?.running !== undefined || s?.state?.terminated !== undefined || s?.lastState?.terminated !== undefined;
}

/** Restarts of the pod's first container. */
export function restartsOf(pod: Pod): number {
  return pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
}

/** What `apps:ps` shows as state: Terminating, a waiting/terminated reason, or the phase. */
export function podState(pod: Pod): string {
  if (pod.metadata?.deletionTimestamp !== undefined) return "Terminating";
  const s = pod.status?.containerStatuses?.[0]?.state;
  if (s?.waiting?.reason !== undefined) return s.waiting.reason;
  if (s?.terminated?.reason !== undefined) return s.terminated.reason;
  return pod.status?.phase ?? "Pending";
}

/** True when the pod's Ready condition is True. */
export function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** The exit code of a finished pod's first container, undefined while it runs. */
export function exitCodeOf(pod: Pod): number | undefined {
  const t = pod.status?.containerStatuses?.[0]?.state?.terminated;
  if (t !== undefined) return t.exitCode;
  if (pod.status?.phase === "Succeeded") return 0;
  if (pod.status?.phase === "Failed") return 1;
  return undefined;
}
