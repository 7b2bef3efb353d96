import type { KubeApi } from "../api.ts";
import type { EventRecorder } from "../events.ts";
import type { Timings } from "../kubelet.ts";
import { typeKey, type KubeObject } from "../types.ts";
import { keyOf, splitKey, WorkQueue } from "./queue.ts";
import { controlledBy, controllerOf, controllerRef, intOrPercent, isoNow, templateHash, type PodTemplate } from "./util.ts";

// Deployment controller (pkg/controller/deployment): one ReplicaSet per pod-template-hash,
// RollingUpdate bounded by maxSurge/maxUnavailable or Recreate, revision annotations,
// revisionHistoryLimit, and status with the Available and Progressing conditions
// (ProgressDeadlineExceeded after progressDeadlineSeconds without progress).

interface DeploySpec {
  replicas?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
  selector: { matchLabels?: Record<string, string> };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: unknown; maxUnavailable?: unknown } };
  template: PodTemplate;
}
interface RsStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}
interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

const REVISION = "deployment.kubernetes.io/revision";
const specReplicas = (rs: KubeObject): number => (rs.spec as { replicas?: number }).replicas ?? 0;
const st = (rs: KubeObject): RsStatus => (rs.status ?? {});

export class DeploymentController {
  private readonly api: KubeApi;
  private readonly timings: Timings;
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  private readonly record: EventRecorder;

  constructor(api: KubeApi, timings: Timings, record: EventRecorder = () => undefined) {
    this.api = api;
    this.record = record;
    this.timings = timings;
    this.queue = new WorkQueue((k) => this.sync(k));
    const dKey = typeKey(api.registry.builtin("Deployment"));
    const rsKey = typeKey(api.registry.builtin("ReplicaSet"));
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.key === dKey) this.queue.add(keyOf(e.object.metadata.namespace, e.object.metadata.name));
      else if (e.key === rsKey) {
        const ref = controllerOf(e.object);
        if (ref?.kind === "Deployment") this.queue.add(keyOf(e.object.metadata.namespace, ref.name));
      }
    });
  }

  close(): void {
    this.unsubscribe();
    this.queue.close();
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const dType = this.api.registry.builtin("Deployment");
    const rsType = this.api.registry.builtin("ReplicaSet");
    const d = this.api.find(dType, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = d.spec as DeploySpec;
    const replicas = spec.replicas ?? 1;
    const hash = templateHash(spec.template);
    let all = this.api.list(rsType, ns).filter((rs) => controlledBy(rs, d.metadata.uid));
    let newRs = all.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
    const maxRevision = Math.max(0, ...all.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
    let created = false;
    const surge = intOrPercent(spec.strategy?.rollingUpdate?.maxSurge, replicas, true);
    let maxUnavailable = intOrPercent(spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false);
    if (surge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const recreate = spec.strategy?.type === "Recreate";
    if (!newRs && !spec.paused) {
      const labels = { ...(spec.template.metadata?.labels ?? {}), "pod-template-hash": hash };
      const oldTotal = all.reduce((n, rs) => n + specReplicas(rs), 0);
      const initial = recreate ? 0 : Math.max(0, Math.min(replicas, replicas + surge - oldTotal));
      newRs = this.api.create(rsType, {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: `${name}-${hash}`,
          namespace: ns,
          labels,
          annotations: { [REVISION]: String(maxRevision + 1), "deployment.kubernetes.io/desired-replicas": String(replicas), "deployment.kubernetes.io/max-replicas": String(replicas + surge) },
          ownerReferences: [controllerRef(d)],
        } as unknown as KubeObject["metadata"],
        spec: {
          replicas: all.length === 0 ? replicas : initial,
          ...((spec as { minReadySeconds?: number }).minReadySeconds === undefined
            ? {}
            : { minReadySeconds: (spec as { minReadySeconds?: number }).minReadySeconds }),
          selector: { ...spec.selector, matchLabels: { ...(spec.selector.matchLabels ?? {}), "pod-template-hash": hash } },
          template: { ...spec.template, metadata: { ...(spec.template.metadata ?? {}), labels } },
        },
      }, ns, { fieldManager: "kube-controller-manager" });
      created = true;
      all = [...all, newRs];
    } else if (newRs && Number(newRs.metadata.annotations?.[REVISION] ?? 0) < maxRevision) {
      // Rolled back to an older template: it becomes the newest revision.
      newRs = this.api.mutate(rsType, ns, newRs.metadata.name, (o) => {
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [REVISION]: String(maxRevision + 1) };
      }) ?? newRs;
    }
    const old = all.filter((rs) => rs !== newRs && rs.metadata.name !== newRs?.metadata.name);
    const scale = (rs: KubeObject, n: number): void => {
      const from = specReplicas(rs);
      if (from === n) return;
      this.record(d, "Normal", "ScalingReplicaSet", `Scaled ${n > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${n}`, "deployment-controller");
      this.api.mutate(rsType, ns, rs.metadata.name, (o) => {
        (o.spec as { replicas: number }).replicas = n;
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), "deployment.kubernetes.io/desired-replicas": String(replicas) };
      });
    };
    if (newRs && !spec.paused) {
      if (recreate) {
        for (const rs of old) scale(rs, 0);
        const oldPods = old.reduce((n, rs) => n + (st(rs).replicas ?? 0), 0);
        if (oldPods === 0) scale(newRs, replicas);
      } else {
        // Scale up the new ReplicaSet within maxSurge.
        const total = all.reduce((n, rs) => n + specReplicas(rs), 0);
        const room = replicas + surge - total;
        const cur = specReplicas(newRs);
        if (cur > replicas) scale(newRs, replicas);
        else if (room > 0 && cur < replicas) scale(newRs, Math.min(replicas, cur + room));
        // Scale down old ReplicaSets while keeping replicas - maxUnavailable available.
        const minAvailable = replicas - maxUnavailable;
        const available = all.reduce((n, rs) => n + (st(rs).availableReplicas ?? 0), 0);
        const newUnavailable = Math.max(0, specReplicas(newRs) - (st(newRs).availableReplicas ?? 0));
        let budget = available - minAvailable - newUnavailable;
        for (const rs of [...old].sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp))) {
          const unhealthy = Math.max(0, specReplicas(rs) - (st(rs).availableReplicas ?? 0));
          // Unavailable old pods can always go (cleanupUnhealthyReplicas).
          let target = specReplicas(rs) - unhealthy;
          const down = Math.min(Math.max(0, budget), target);
          target -= down;
          budget -= down;
          if (target !== specReplicas(rs)) scale(rs, target);
        }
      }
    }
    this.cleanupHistory(old, spec.revisionHistoryLimit ?? 10);
    this.writeStatus(d, newRs, old, replicas, maxUnavailable, created);
  }

  private cleanupHistory(old: KubeObject[], limit: number): void {
    const rsType = this.api.registry.builtin("ReplicaSet");
    const idle = old.filter((rs) => specReplicas(rs) === 0 && (st(rs).replicas ?? 0) === 0);
    const sorted = idle.sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
    for (const rs of sorted.slice(0, Math.max(0, sorted.length - limit))) {
      try {
        this.api.delete(rsType, rs.metadata.namespace, rs.metadata.name, { propagationPolicy: "Background" });
      } catch {
        // already gone
      }
    }
  }

  private writeStatus(d: KubeObject, newRs: KubeObject | undefined, old: KubeObject[], replicas: number, maxUnavailable: number, created: boolean): void {
    const dType = this.api.registry.builtin("Deployment");
    const fresh = [newRs, ...old].filter((x): x is KubeObject => x !== undefined).map((rs) => this.api.find(this.api.registry.builtin("ReplicaSet"), rs.metadata.namespace, rs.metadata.name) ?? rs);
    const newFresh = newRs ? fresh[0] : undefined;
    const sum = (f: (s: RsStatus) => number | undefined): number => fresh.reduce((n, rs) => n + (f(st(rs)) ?? 0), 0);
    const total = sum((s) => s.replicas);
    const ready = sum((s) => s.readyReplicas);
    const available = sum((s) => s.availableReplicas);
    const updated = newFresh ? (st(newFresh).replicas ?? 0) : 0;
    const prev = ((d.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
    const t = isoNow();
    const make = (type: string, ok: boolean, reason: string, message: string): Condition => {
      const p = prev.find((c) => c.type === type);
      const same = p && p.status === (ok ? "True" : "False") && p.reason === reason;
      return {
        type,
        status: ok ? "True" : "False",
        lastUpdateTime: same && p ? p.lastUpdateTime : t,
        lastTransitionTime: p && p.status === (ok ? "True" : "False") ? p.lastTransitionTime : t,
        reason,
        message,
      };
    };
    const availableCond = available >= replicas - maxUnavailable
      ? make("Available", true, "MinimumReplicasAvailable", "Deployment has minimum availability.")
      : make("Available", false, "MinimumReplicasUnavailable", "Deployment does not have minimum availability.");
    const rsName = newFresh?.metadata.name ?? "";
    const complete = updated === replicas && available >= replicas && total === replicas && (newFresh ? (st(newFresh).availableReplicas ?? 0) >= replicas : replicas === 0);
    const prevProgress = prev.find((c) => c.type === "Progressing");
    const oldStatus = (d.status ?? {}) as { updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; replicas?: number };
    const progressed = created || oldStatus.updatedReplicas !== updated || (oldStatus.availableReplicas ?? 0) !== available || (oldStatus.readyReplicas ?? 0) !== ready || oldStatus.replicas !== total;
    const deadlineMs = ((d.spec as DeploySpec).progressDeadlineSeconds ?? 600) * 1000 * this.timings.secondsScale;
    let progressing: Condition;
    if (complete) {
      progressing = make("Progressing", true, "NewReplicaSetAvailable", `ReplicaSet "${rsName}" has successfully progressed.`);
    } else if (created) {
      progressing = { ...make("Progressing", true, "NewReplicaSetCreated", `Created new replica set "${rsName}"`), lastUpdateTime: t };
    } else if (prevProgress?.reason === "ProgressDeadlineExceeded" && !progressed) {
      progressing = prevProgress;
    } else {
      const since = prevProgress ? Date.parse(prevProgress.lastUpdateTime) : Date.now();
      if (!progressed && Date.now() - since >= deadlineMs) {
        progressing = make("Progressing", false, "ProgressDeadlineExceeded", `ReplicaSet "${rsName}" has timed out progressing.`);
      } else {
        progressing = make("Progressing", true, "ReplicaSetUpdated", `ReplicaSet "${rsName}" is progressing.`);
        if (progressed) progressing.lastUpdateTime = t;
        const updateAt = Date.parse(progressing.lastUpdateTime);
        // Re-check when the deadline passes (timestamps are in whole seconds).
        this.queue.after(keyOf(d.metadata.namespace, d.metadata.name), Math.max(10, updateAt + deadlineMs - Date.now() + 1000));
      }
    }
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      conditions: [availableCond, progressing],
    };
    if (replicas - available > 0) status.unavailableReplicas = replicas - available;
    for (const k of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"]) if (status[k] === 0) delete status[k];
    if (JSON.stringify(d.status ?? {}) !== JSON.stringify(status)) {
      this.api.update(dType, { ...d, status }, d.metadata.namespace, { subresource: "status", fieldManager: "kube-controller-manager" });
    }
  }
}
