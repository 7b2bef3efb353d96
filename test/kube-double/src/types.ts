// Shapes shared by the double's store, router and controllers. Objects are kept as plain
// JSON (what travels on the wire); controllers cast to client-node's typed interfaces.

/** A JSON value as stored and served. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A plain JSON object. */
export type JsonObject = { [key: string]: Json };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}

/** A stored Kubernetes object (any kind). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** One resource type the double serves (a row of discovery). */
export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  resource: string; // plural, e.g. "deployments"
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources served besides the object itself. */
  subresources: ("status" | "scale" | "log" | "exec")[];
  /** metadata.generation is kept (bumped on spec change). */
  generation: boolean;
  /** Read-only computed resource (metrics.k8s.io). */
  readOnly?: boolean;
  /** Only for custom resources: the CRD that defines it. */
  crd?: string;
}

/** Key of a resource type in the store: "group/resource" (core group = ""). */
export function typeKey(t: Pick<ResourceType, "group" | "resource">): string {
  return `${t.group}/${t.resource}`;
}

/** apiVersion string of a type ("v1" or "apps/v1"). */
export function apiVersionOf(t: Pick<ResourceType, "group" | "version">): string {
  return t.group === "" ? t.version : `${t.group}/${t.version}`;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface StoreEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  key: string; // typeKey
  rv: number;
  object: KubeObject;
  /** The object before this change (MODIFIED/DELETED), for controllers. */
  old?: KubeObject;
}
