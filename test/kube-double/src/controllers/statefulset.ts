import type { KubeApi } from "../api.ts";
import type { EventRecorder } from "../events.ts";
import { typeKey, type KubeObject } from "../types.ts";
import { keyOf, splitKey, WorkQueue } from "./queue.ts";
import { controlledBy, controllerOf, isActive, isReady, podFromTemplate, templateHash, type PodTemplate } from "./util.ts";

// StatefulSet and DaemonSet controllers, simplified: StatefulSet pods <name>-<ordinal>
// (OrderedReady or Parallel), PVCs from volumeClaimTemplates, rolling replacement of
// outdated pods from the highest ordinal; DaemonSet pods one per matching node. Status
// carries the fields `kubectl rollout status` reads.

interface StsSpec {
  replicas?: number;
  podManagementPolicy?: string;
  template: PodTemplate & { spec?: { volumes?: Record<string, unknown>[]; nodeSelector?: Record<string, string> } };
  volumeClaimTemplates?: { metadata?: { name?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> }[];
}

const REV = "controller-revision-hash";

export class WorkloadSetController {
  private readonly api: KubeApi;
  private readonly record: EventRecorder;
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  constructor(api: KubeApi, record: EventRecorder = () => undefined) {
    this.api = api;
    this.record = record;
    this.queue = new WorkQueue((k) => this.sync(k));
    const sts = typeKey(api.registry.builtin("StatefulSet"));
    const ds = typeKey(api.registry.builtin("DaemonSet"));
    const pods = typeKey(api.registry.builtin("Pod"));
    const nodes = typeKey(api.registry.builtin("Node"));
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.key === sts || e.key === ds) this.queue.add(`${e.object.kind}|${keyOf(e.object.metadata.namespace, e.object.metadata.name)}`);
      else if (e.key === pods) {
        const ref = controllerOf(e.object);
        if (ref?.kind === "StatefulSet" || ref?.kind === "DaemonSet") this.queue.add(`${ref.kind}|${keyOf(e.object.metadata.namespace, ref.name)}`);
      } else if (e.key === nodes && e.type !== "MODIFIED") {
        for (const d of api.list(api.registry.builtin("DaemonSet"))) this.queue.add(`DaemonSet|${keyOf(d.metadata.namespace, d.metadata.name)}`);
      }
    });
  }

  close(): void {
    this.unsubscribe();
    this.queue.close();
  }

  private sync(key: string): void {
    const [kind, rest] = key.split("|") as [string, string];
    const [ns, name] = splitKey(rest);
    const t = this.api.registry.builtin(kind);
    const owner = this.api.find(t, ns, name);
    if (!owner || owner.metadata.deletionTimestamp) return;
    if (kind === "StatefulSet") this.syncStatefulSet(owner);
    else this.syncDaemonSet(owner);
  }

  private pods(owner: KubeObject): KubeObject[] {
    return this.api.list(this.api.registry.builtin("Pod"), owner.metadata.namespace).filter((p) => controlledBy(p, owner.metadata.uid));
  }

  private writeStatus(owner: KubeObject, status: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(status)) if (v === 0 && k !== "replicas" && k !== "desiredNumberScheduled" && k !== "currentNumberScheduled" && k !== "numberMisscheduled" && k !== "numberReady") delete status[k];
    if (JSON.stringify(owner.status ?? {}) === JSON.stringify(status)) return;
    this.api.update(this.api.registry.builtin(owner.kind), { ...owner, status }, owner.metadata.namespace, { subresource: "status", fieldManager: "kube-controller-manager" });
  }

  private syncStatefulSet(sts: KubeObject): void {
    const spec = sts.spec as StsSpec;
    const ns = sts.metadata.namespace;
    const name = sts.metadata.name;
    const replicas = spec.replicas ?? 1;
    const rev = `${name}-${templateHash(spec.template)}`;
    const podType = this.api.registry.builtin("Pod");
    const pvcType = this.api.registry.builtin("PersistentVolumeClaim");
    const pods = this.pods(sts);
    const byOrdinal = new Map(pods.map((p) => [Number(p.metadata.name.slice(name.length + 1)), p]));
    const parallel = spec.podManagementPolicy === "Parallel";
    for (let i = 0; i < replicas; i += 1) {
      if (byOrdinal.has(i)) continue;
      if (!parallel && [...Array(i).keys()].some((j) => !byOrdinal.get(j) || !isReady(byOrdinal.get(j)!))) break;
      const podName = `${name}-${i}`;
      const volumes = [...(spec.template.spec?.volumes ?? [])];
      for (const tpl of spec.volumeClaimTemplates ?? []) {
        const claim = `${tpl.metadata?.name ?? "data"}-${podName}`;
        if (!this.api.find(pvcType, ns, claim)) {
          this.api.create(pvcType, { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: claim, labels: { ...(spec.template.metadata?.labels ?? {}) } } as KubeObject["metadata"], spec: structuredClone(tpl.spec ?? {}) }, ns, { fieldManager: "kube-controller-manager" });
        }
        volumes.push({ name: tpl.metadata?.name ?? "data", persistentVolumeClaim: { claimName: claim } });
      }
      const pod = podFromTemplate(spec.template, sts, "", { [REV]: rev, "statefulset.kubernetes.io/pod-name": podName, "apps.kubernetes.io/pod-index": String(i) });
      delete pod.metadata.generateName;
      pod.metadata.name = podName;
      (pod.spec as { volumes?: unknown[]; hostname?: string }).volumes = volumes;
      (pod.spec as { hostname?: string }).hostname = podName;
      try {
        this.api.create(podType, pod, ns, { fieldManager: "kube-controller-manager" });
        this.record(sts, "Normal", "SuccessfulCreate", `create Pod ${podName} in StatefulSet ${name} successful`, "statefulset-controller");
      } catch {
        // The previous pod of this name is still terminating: retried on its delete event.
      }
      if (!parallel) break;
    }
    const active = pods.filter(isActive);
    for (const p of active) {
      const i = Number(p.metadata.name.slice(name.length + 1));
      if (i >= replicas) this.tryDelete(p);
    }
    const current = active.filter((p) => Number(p.metadata.name.slice(name.length + 1)) < replicas);
    const outdated = current.filter((p) => p.metadata.labels?.[REV] !== rev).sort((a, b) => b.metadata.name.localeCompare(a.metadata.name, undefined, { numeric: true }));
    if (outdated.length > 0 && current.length === replicas && current.every(isReady)) this.tryDelete(outdated[0]!);
    const updated = current.filter((p) => p.metadata.labels?.[REV] === rev).length;
    const ready = current.filter(isReady).length;
    const prev = (sts.status ?? {}) as { currentRevision?: string };
    this.writeStatus(sts, {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: current.length,
      readyReplicas: ready,
      currentReplicas: updated === replicas ? updated : current.length - updated,
      updatedReplicas: updated,
      availableReplicas: ready,
      currentRevision: updated === replicas && ready === replicas ? rev : (prev.currentRevision ?? rev),
      updateRevision: rev,
      collisionCount: 0,
    });
  }

  private syncDaemonSet(ds: KubeObject): void {
    const spec = ds.spec as StsSpec;
    const rev = templateHash(spec.template);
    const nodes = this.api.list(this.api.registry.builtin("Node")).filter((n) => Object.entries(spec.template.spec?.nodeSelector ?? {}).every(([k, v]) => n.metadata.labels?.[k] === v));
    const pods = this.pods(ds).filter(isActive);
    const podType = this.api.registry.builtin("Pod");
    for (const n of nodes) {
      if (pods.some((p) => (p.spec as { nodeName?: string }).nodeName === n.metadata.name)) continue;
      const pod = podFromTemplate(spec.template, ds, `${ds.metadata.name}-`, { [REV]: rev, "pod-template-generation": String(ds.metadata.generation ?? 1) });
      (pod.spec as { nodeName?: string }).nodeName = n.metadata.name;
      const created = this.api.create(podType, pod, ds.metadata.namespace, { fieldManager: "kube-controller-manager" });
      this.record(ds, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`, "daemonset-controller");
    }
    const outdated = pods.filter((p) => p.metadata.labels?.[REV] !== rev);
    if (outdated.length > 0 && pods.every(isReady)) this.tryDelete(outdated[0]!);
    const ready = pods.filter(isReady).length;
    this.writeStatus(ds, {
      observedGeneration: ds.metadata.generation ?? 1,
      desiredNumberScheduled: nodes.length,
      currentNumberScheduled: pods.length,
      numberMisscheduled: 0,
      numberReady: ready,
      numberAvailable: ready,
      updatedNumberScheduled: pods.filter((p) => p.metadata.labels?.[REV] === rev).length,
    });
  }

  private tryDelete(p: KubeObject): void {
    try {
      this.api.delete(this.api.registry.builtin("Pod"), p.metadata.namespace, p.metadata.name, {});
    } catch {
      // already gone
    }
  }
}
