import type { KubernetesObject } from "@kubernetes/client-node";
import type { KubeApis } from "../apis.ts";

/** The operations the reconciler needs on one kind, over client-node's typed APIs. */
export interface KindOps {
  readonly kind: string;
  list(namespace: string, labelSelector: string): Promise<KubernetesObject[]>;
  read(namespace: string, name: string): Promise<KubernetesObject>;
  create(namespace: string, body: KubernetesObject): Promise<KubernetesObject>;
  replace(namespace: string, name: string, body: KubernetesObject): Promise<KubernetesObject>;
  delete(namespace: string, name: string): Promise<unknown>;
}

// Typed APIs (not KubernetesObjectApi) so that bodies go through client-node's model
// serializer (e.g. NetworkPolicy `_from` → `from`) and no discovery round-trips are needed.
/** Every kind the reconciler renders, applies and prunes, in apply order. */
export function renderedKinds(apis: KubeApis): readonly KindOps[] {
  const { core, apps, networking } = apis;
  return [
    {
      kind: "NetworkPolicy",
      list: async (namespace, labelSelector) => (await networking.listNamespacedNetworkPolicy({ namespace, labelSelector })).items,
      read: (namespace, name) => networking.readNamespacedNetworkPolicy({ namespace, name }),
      create: (namespace, body) => networking.createNamespacedNetworkPolicy({ namespace, body: body }),
      replace: (namespace, name, body) => networking.replaceNamespacedNetworkPolicy({ namespace, name, body: body }),
      delete: (namespace, name) => networking.deleteNamespacedNetworkPolicy({ namespace, name }),
    },
    {
      kind: "Secret",
      list: async (namespace, labelSelector) => (await core.listNamespacedSecret({ namespace, labelSelector })).items,
      read: (namespace, name) => core.readNamespacedSecret({ namespace, name }),
      create: (namespace, body) => core.createNamespacedSecret({ namespace, body: body }),
      replace: (namespace, name, body) => core.replaceNamespacedSecret({ namespace, name, body: body }),
      delete: (namespace, name) => core.deleteNamespacedSecret({ namespace, name }),
    },
    {
      kind: "PersistentVolumeClaim",
      list: async (namespace, labelSelector) =>
        (await core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector })).items,
      read: (namespace, name) => core.readNamespacedPersistentVolumeClaim({ namespace, name }),
      create: (namespace, body) => core.createNamespacedPersistentVolumeClaim({ namespace, body: body }),
      replace: (namespace, name, body) =>
        core.replaceNamespacedPersistentVolumeClaim({ namespace, name, body: body }),
      delete: (namespace, name) => core.deleteNamespacedPersistentVolumeClaim({ namespace, name }),
    },
    {
      kind: "Deployment",
      list: async (namespace, labelSelector) => (await apps.listNamespacedDeployment({ namespace, labelSelector })).items,
      read: (namespace, name) => apps.readNamespacedDeployment({ namespace, name }),
      create: (namespace, body) => apps.createNamespacedDeployment({ namespace, body: body }),
      replace: (namespace, name, body) => apps.replaceNamespacedDeployment({ namespace, name, body: body }),
      delete: (namespace, name) => apps.deleteNamespacedDeployment({ namespace, name }),
    },
    {
      kind: "Service",
      list: async (namespace, labelSelector) => (await core.listNamespacedService({ namespace, labelSelector })).items,
      read: (namespace, name) => core.readNamespacedService({ namespace, name }),
      create: (namespace, body) => core.createNamespacedService({ namespace, body: body }),
      replace: (namespace, name, body) => core.replaceNamespacedService({ namespace, name, body: body }),
      delete: (namespace, name) => core.deleteNamespacedService({ namespace, name }),
    },
    {
      kind: "Ingress",
      list: async (namespace, labelSelector) => (await networking.listNamespacedIngress({ namespace, labelSelector })).items,
      read: (namespace, name) => networking.readNamespacedIngress({ namespace, name }),
      create: (namespace, body) => networking.createNamespacedIngress({ namespace, body: body }),
      replace: (namespace, name, body) => networking.replaceNamespacedIngress({ namespace, name, body: body }),
      delete: (namespace, name) => networking.deleteNamespacedIngress({ namespace, name }),
    },
  ];
}
