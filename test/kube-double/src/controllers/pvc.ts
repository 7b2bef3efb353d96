import type { KubeApi } from "../api.ts";
import type { EventRecorder } from "../events.ts";
import { typeKey } from "../types.ts";
import { keyOf, splitKey, WorkQueue } from "./queue.ts";

// A dynamic provisioner (as k3s's local-path): every PersistentVolumeClaim is bound at once
// to a volume named pvc-<uid> with the requested size and access modes.

interface PvcSpec {
  volumeName?: string;
  accessModes?: string[];
  storageClassName?: string;
  resources?: { requests?: { storage?: string } };
}

export class PvcController {
  private readonly api: KubeApi;
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;
  private readonly record: EventRecorder;

  constructor(api: KubeApi, record: EventRecorder = () => undefined) {
    this.api = api;
    this.record = record;
    this.queue = new WorkQueue((k) => this.sync(k));
    const key = typeKey(api.registry.builtin("PersistentVolumeClaim"));
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.key === key && e.type === "ADDED") this.queue.add(keyOf(e.object.metadata.namespace, e.object.metadata.name));
    });
  }

  close(): void {
    this.unsubscribe();
    this.queue.close();
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const t = this.api.registry.builtin("PersistentVolumeClaim");
    const pvc = this.api.find(t, ns, name);
    if (!pvc || pvc.metadata.deletionTimestamp || (pvc.status as { phase?: string } | undefined)?.phase === "Bound") return;
    const spec = pvc.spec as PvcSpec;
    const volume = spec.volumeName ?? `pvc-${pvc.metadata.uid}`;
    const bound = this.api.mutate(t, ns, name, (o) => {
      (o.spec as PvcSpec).volumeName = volume;
      (o.spec as PvcSpec).storageClassName ??= "local-path";
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), "pv.kubernetes.io/bind-completed": "yes", "volume.kubernetes.io/storage-provisioner": "rancher.io/local-path" };
    });
    if (!bound) return;
    this.api.mutate(t, ns, name, (o) => {
      o.status = { phase: "Bound", accessModes: spec.accessModes ?? ["ReadWriteOnce"], capacity: { storage: spec.resources?.requests?.storage ?? "1Gi" } };
    }, "status");
    this.record(bound, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${volume}`, "rancher.io/local-path_local-path-provisioner");
  }
}
