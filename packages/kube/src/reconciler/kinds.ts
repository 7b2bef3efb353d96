import type { KubeApis } from "../apis.ts";
import type { NamespacedResource } from "../rest/resource.ts";
import type { KubeObject } from "../rest/wire.ts";

/** The operations the reconciler needs on one kind. */
export interface KindOps {
  readonly kind: string;
  list(namespace: string, labelSelector: string): Promise<KubeObject[]>;
  read(namespace: string, name: string): Promise<KubeObject>;
  create(namespace: string, body: KubeObject): Promise<KubeObject>;
  replace(namespace: string, name: string, body: KubeObject): Promise<KubeObject>;
  delete(namespace: string, name: string): Promise<unknown>;
}

function kindOps(kind: string, resource: NamespacedResource<KubeObject>): KindOps {
  return {
    kind,
    list: async (namespace, labelSelector) => (await resource.list(namespace, { labelSelector })).items,
    read: (namespace, name) => resource.read(namespace, name),
    create: (namespace, body) => resource.create(namespace, body),
    replace: (namespace, name, body) => resource.replace(namespace, name, body),
    delete: (namespace, name) => resource.delete(namespace, name),
  };
}

/** Every kind the reconciler renders, applies and prunes, in apply order. */
export function renderedKinds(apis: KubeApis): readonly KindOps[] {
  // The renderers produce the wire form already; each kind is a typed resource viewed as a
  // plain object here, since apply and prune only touch metadata.
  const as = <T>(r: NamespacedResource<T>): NamespacedResource<KubeObject> => r as unknown as NamespacedResource<KubeObject>;
  return [
    kindOps("NetworkPolicy", as(apis.networkPolicies)),
    kindOps("Secret", as(apis.secrets)),
    kindOps("PersistentVolumeClaim", as(apis.persistentVolumeClaims)),
    kindOps("Deployment", as(apis.deployments)),
    // After the Deployment it scales, so the HPA never points at a missing target.
    kindOps("HorizontalPodAutoscaler", as(apis.horizontalPodAutoscalers)),
    kindOps("Service", as(apis.services)),
    kindOps("Ingress", as(apis.ingresses)),
  ];
}
