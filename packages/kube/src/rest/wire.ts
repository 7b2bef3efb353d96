import type {
  KubernetesObject,
  V1ConfigMap,
  V1Container,
  V1OwnerReference,
  V1PodSecurityContext,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
  V1CustomResourceDefinition,
  V1Deployment,
  V1Ingress,
  V1Job,
  V1Namespace,
  V1NetworkPolicy,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";

type WireKey<K> = K extends `x_kubernetes_${infer R}`
  ? `x-kubernetes-${WireSuffix<R>}`
  : K extends `_${infer R}`
    ? R
    : K;
type WireSuffix<S extends string> = S extends `${infer A}_${infer B}` ? `${A}-${WireSuffix<B>}` : S;

/**
 * The JSON form of one of client-node's model types, which is what the API server sends and
 * what rest/client.ts hands back: timestamps are RFC 3339 strings (client-node revives them
 * as Date), and the keys client-node renames are back to their wire names (`_from` → `from`,
 * `x_kubernetes_list_type` → `x-kubernetes-list-type`). Only the types are taken from
 * client-node; its runtime (all of its generated models) is not loaded.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T as WireKey<K>]: Wire<T[K]> }
      : T;

export type KubeObject = Wire<KubernetesObject>;
export type Pod = Wire<V1Pod>;
export type Deployment = Wire<V1Deployment>;
export type Job = Wire<V1Job>;
export type Secret = Wire<V1Secret>;
export type RoleBinding = Wire<V1RoleBinding>;
export type ConfigMap = Wire<V1ConfigMap>;
export type Namespace = Wire<V1Namespace>;
export type Node = Wire<V1Node>;
export type Service = Wire<V1Service>;
export type Ingress = Wire<V1Ingress>;
export type NetworkPolicy = Wire<V1NetworkPolicy>;
export type HorizontalPodAutoscaler = Wire<V2HorizontalPodAutoscaler>;
export type PersistentVolumeClaim = Wire<V1PersistentVolumeClaim>;
export type CustomResourceDefinition = Wire<V1CustomResourceDefinition>;
export type Container = Wire<V1Container>;
export type Volume = Wire<V1Volume>;
export type VolumeMount = Wire<V1VolumeMount>;
export type OwnerReference = Wire<V1OwnerReference>;
export type PodSecurityContext = Wire<V1PodSecurityContext>;
export type SecurityContext = Wire<V1SecurityContext>;
