import type { KubeApi } from "../api.ts";
import { typeKey } from "../types.ts";
import { keyOf, splitKey, WorkQueue } from "./queue.ts";

// k3s's Traefik + ServiceLB: every Ingress gets status.loadBalancer.ingress with the nodes'
// InternalIPs, as `kubectl get ingress` shows under ADDRESS on a real k3s cluster.

export class IngressController {
  private readonly api: KubeApi;
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  constructor(api: KubeApi) {
    this.api = api;
    this.queue = new WorkQueue((k) => this.sync(k));
    const key = typeKey(api.registry.builtin("Ingress"));
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.key === key && e.type !== "DELETED") this.queue.add(keyOf(e.object.metadata.namespace, e.object.metadata.name));
    });
  }

  close(): void {
    this.unsubscribe();
    this.queue.close();
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const t = this.api.registry.builtin("Ingress");
    const ing = this.api.find(t, ns, name);
    if (!ing || ing.metadata.deletionTimestamp) return;
    const ips = this.api
      .list(this.api.registry.builtin("Node"))
      .flatMap((n) => ((n.status as { addresses?: { type: string; address: string }[] }).addresses ?? []).filter((a) => a.type === "InternalIP").map((a) => ({ ip: a.address })));
    const status = { loadBalancer: { ingress: ips } };
    if (JSON.stringify(ing.status ?? {}) === JSON.stringify(status)) return;
    this.api.mutate(t, ns, name, (o) => {
      o.status = status;
    }, "status");
  }
}
