import { parseQuantity } from "./quantity.ts";
import { now, type ContainerRun, type PodRun } from "./pod-run.ts";
import type { KubeObject } from "./types.ts";

// The pod status a kubelet reports (phase, conditions, container statuses) and the
// resource requests the scheduler counts.

/** Summed container requests of a pod (cores, bytes); limits stand in for missing requests. */
export function requestsOf(pod: KubeObject): { cpu: number; memory: number } {
  const containers = (pod.spec as { containers?: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[] }).containers ?? [];
  let cpu = 0;
  let memory = 0;
  for (const c of containers) {
    // Requests default to limits when only limits are set (as the API server defaults them).
    const r = c.resources?.requests ?? c.resources?.limits ?? {};
    cpu += parseQuantity(r.cpu) || 0;
    memory += parseQuantity(r.memory) || 0;
  }
  return { cpu, memory };
}

function containerStatus(c: ContainerRun): Record<string, unknown> {
  const s: Record<string, unknown> = {
    name: c.name,
    image: c.image,
    imageID: c.started ? `${c.image.replace(/:[^:/]+$/, "")}@sha256:${"0".repeat(64)}` : "",
    ready: c.ready,
    restartCount: c.restartCount,
    started: c.running,
    state: c.state,
    lastState: c.lastState ?? {},
  };
  if (c.started) s.containerID = `containerd://${c.name}-${c.restartCount}`;
  return s;
}

/** The pod status a kubelet would report for `run`. */
export function buildPodStatus(run: PodRun, pod: KubeObject): Record<string, unknown> {
  const t = now();
  const cond = (type: string, ok: boolean, reason?: string, message?: string): Record<string, unknown> => ({
    type,
    status: ok ? "True" : "False",
    lastTransitionTime: t,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });
  const old = ((pod.status as { conditions?: Record<string, unknown>[] } | undefined)?.conditions ?? []);
  const keepTime = (c: Record<string, unknown>): Record<string, unknown> => {
    const prev = old.find((o) => o.type === c.type);
    return prev && prev.status === c.status ? { ...c, lastTransitionTime: prev.lastTransitionTime } : c;
  };
  if (!run.scheduled) {
    return {
      phase: "Pending",
      qosClass: "BestEffort",
      conditions: run.unschedulable ? [keepTime(cond("PodScheduled", false, "Unschedulable", run.unschedulable))] : [],
    };
  }
  const ready = run.containers.every((c) => c.ready) && !run.terminating;
  const notReady = run.containers.filter((c) => !c.ready).map((c) => c.name);
  const msg = notReady.length ? `containers with unready status: [${notReady.join(" ")}]` : undefined;
  const terminal = run.phase === "Succeeded" || run.phase === "Failed";
  const conditions = [
    cond("PodReadyToStartContainers", true),
    cond("Initialized", run.initDone, run.initDone ? undefined : "ContainersNotInitialized", run.initDone ? undefined : `containers with incomplete status: [${run.inits.filter((c) => !("terminated" in c.state)).map((c) => c.name).join(" ")}]`),
    cond("Ready", ready, ready ? undefined : terminal ? "PodCompleted" : "ContainersNotReady", ready || terminal ? undefined : msg),
    cond("ContainersReady", ready, ready ? undefined : terminal ? "PodCompleted" : "ContainersNotReady", ready || terminal ? undefined : msg),
    cond("PodScheduled", true),
  ].map(keepTime);
  const status: Record<string, unknown> = {
    phase: run.phase,
    conditions,
    hostIP: run.hostIP,
    hostIPs: [{ ip: run.hostIP }],
    podIP: run.podIP,
    podIPs: [{ ip: run.podIP }],
    startTime: run.startTime,
    qosClass: "BestEffort",
    containerStatuses: run.containers.map(containerStatus),
  };
  if (run.inits.length > 0) status.initContainerStatuses = run.inits.map(containerStatus);
  return status;
}
