import type { KubeApi } from "../api.ts";
import type { EventRecorder } from "../events.ts";
import { typeKey } from "../types.ts";
import { controlledBy, controllerOf, isActive, isReady, podFromTemplate, type PodTemplate } from "./util.ts";
import { keyOf, splitKey, WorkQueue } from "./queue.ts";

// ReplicaSet controller: keeps spec.replicas active pods (creating from the template,
// deleting not-ready and newest first) and reports replicas/ready/available in status.
// As on a real cluster, a pod counts as available only once it has been ready for
// minReadySeconds (scaled by Timings.secondsScale), so a container that is ready for a
// moment and then crashes does not complete a rollout.

interface RsSpec {
  replicas?: number;
  minReadySeconds?: number;
  template: PodTemplate;
}

export class ReplicaSetController {
  private readonly api: KubeApi;
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  private readonly record: EventRecorder;
  private readonly secondsScale: () => number;
  /** Pod uid → when this controller first saw it ready (reset when it is not). */
  private readonly readySince = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(api: KubeApi, record: EventRecorder = () => undefined, secondsScale: () => number = () => 1) {
    this.api = api;
    this.record = record;
    this.secondsScale = secondsScale;
    this.queue = new WorkQueue((k) => this.sync(k));
    const rsKey = typeKey(api.registry.builtin("ReplicaSet"));
    const podKey = typeKey(api.registry.builtin("Pod"));
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.key === rsKey) this.queue.add(keyOf(e.object.metadata.namespace, e.object.metadata.name));
      else if (e.key === podKey) {
        const ref = controllerOf(e.object);
        if (ref?.kind === "ReplicaSet") this.queue.add(keyOf(e.object.metadata.namespace, ref.name));
      }
    });
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.unsubscribe();
    this.queue.close();
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const rsType = this.api.registry.builtin("ReplicaSet");
    const podType = this.api.registry.builtin("Pod");
    const rs = this.api.find(rsType, ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const spec = rs.spec as RsSpec;
    const want = spec.replicas ?? 1;
    const pods = this.api.list(podType, ns).filter((p) => controlledBy(p, rs.metadata.uid));
    const active = pods.filter(isActive);
    if (active.length < want) {
      for (let i = active.length; i < want; i += 1) {
        const pod = this.api.create(podType, podFromTemplate(spec.template, rs, `${name}-`), ns, { fieldManager: "kube-controller-manager" });
        this.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`, "replicaset-controller");
      }
    } else if (active.length > want) {
      const victims = [...active].sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp));
      for (const p of victims.slice(0, active.length - want)) {
        try {
          this.api.delete(podType, ns, p.metadata.name, {});
          this.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, "replicaset-controller");
        } catch {
          // already gone
        }
      }
    }
    const current = this.api.list(podType, ns).filter((p) => controlledBy(p, rs.metadata.uid) && isActive(p));
    const now = Date.now();
    const minReadyMs = (spec.minReadySeconds ?? 0) * 1000 * this.secondsScale();
    let available = 0;
    let recheckMs: number | undefined;
    for (const p of current) {
      if (!isReady(p)) {
        this.readySince.delete(p.metadata.uid);
        continue;
      }
      const since = this.readySince.get(p.metadata.uid) ?? now;
      this.readySince.set(p.metadata.uid, since);
      const left = since + minReadyMs - now;
      if (left <= 0) available += 1;
      else recheckMs = Math.min(recheckMs ?? left, left);
    }
    if (recheckMs !== undefined) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.queue.add(key);
      }, recheckMs + 5);
      this.timers.add(timer);
    }
    const ready = current.filter(isReady).length;
    const labelled = current.length;
    const status: Record<string, unknown> = {
      replicas: current.length,
      fullyLabeledReplicas: labelled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (ready === 0) delete status.readyReplicas;
    if (available === 0) delete status.availableReplicas;
    if (JSON.stringify(rs.status ?? {}) !== JSON.stringify(status)) {
      this.api.update(rsType, { ...rs, status }, ns, { subresource: "status", fieldManager: "kube-controller-manager" });
    }
  }
}
