import type { KubeApi } from "../api.ts";
import { typeKey, type KubeObject } from "../types.ts";

// What kube-controller-manager adds to every new namespace: the "default" ServiceAccount and
// the kube-root-ca.crt ConfigMap (the cluster CA for in-cluster clients).

export class NamespaceController {
  private readonly unsubscribe: () => void;

  constructor(api: KubeApi, caPem: string | undefined) {
    const nsKey = typeKey(api.registry.builtin("Namespace"));
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.key !== nsKey || e.type !== "ADDED") return;
      const ns = e.object.metadata.name;
      setImmediate(() => {
        const create = (kind: string, obj: Record<string, unknown>): void => {
          try {
            api.create(api.registry.builtin(kind), { apiVersion: "v1", kind, ...obj } as unknown as KubeObject, ns, { fieldManager: "kube-controller-manager" });
          } catch {
            // Already there, or the namespace is already going away.
          }
        };
        create("ServiceAccount", { metadata: { name: "default" } });
        create("ConfigMap", { metadata: { name: "kube-root-ca.crt", annotations: { "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." } }, data: { "ca.crt": caPem ?? "" } });
      });
    });
  }

  close(): void {
    this.unsubscribe();
  }
}
