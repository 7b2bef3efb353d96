import type { RestClient } from "./client.ts";

/** A list answer: items plus the resourceVersion a watch resumes from. */
export interface ObjectList<T> {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items: T[];
}

/** Selectors of a list or delete-collection call. */
export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Options of a delete (metav1.DeleteOptions as query parameters). */
export interface DeleteOptions {
  readonly propagationPolicy?: "Foreground" | "Background" | "Orphan";
  readonly gracePeriodSeconds?: number;
}

/** Content types of the three patch kinds the API server takes. */
export const PATCH_TYPES = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
} as const;

/** The collection path of a kind: `/api/v1/…` for the core group, `/apis/<group>/<version>/…` else. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined ? `${root}/${plural}` : `${root}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

const item = (collection: string, name: string, sub?: string): string =>
  `${collection}/${encodeURIComponent(name)}${sub === undefined ? "" : `/${sub}`}`;

/** Create, read, list, replace, patch and delete for one namespaced kind. */
export interface NamespacedResource<T> {
  readonly apiVersion: string;
  readonly plural: string;
  /** The collection path in `namespace`, or across all namespaces when undefined. */
  path(namespace?: string): string;
  list(namespace: string, options?: ListOptions): Promise<ObjectList<T>>;
  /** One list across every namespace (the reconciler's watches). */
  listAll(options?: ListOptions): Promise<ObjectList<T>>;
  read(namespace: string, name: string): Promise<T>;
  create(namespace: string, body: T): Promise<T>;
  replace(namespace: string, name: string, body: T): Promise<T>;
  /** PUT on the status subresource. */
  replaceStatus(namespace: string, name: string, body: T): Promise<T>;
  patch(namespace: string, name: string, patch: unknown, type?: keyof typeof PATCH_TYPES): Promise<T>;
  delete(namespace: string, name: string, options?: DeleteOptions): Promise<unknown>;
  deleteCollection(namespace: string, options: ListOptions & DeleteOptions): Promise<unknown>;
}

/** Create, read, list, replace and delete for one cluster-scoped kind. */
export interface ClusterResource<T> {
  readonly apiVersion: string;
  readonly plural: string;
  path(): string;
  list(options?: ListOptions): Promise<ObjectList<T>>;
  read(name: string): Promise<T>;
  create(body: T): Promise<T>;
  replace(name: string, body: T): Promise<T>;
  delete(name: string, options?: DeleteOptions): Promise<unknown>;
}

/** A namespaced kind over `rest`, e.g. `namespaced<Secret>(rest, "v1", "secrets")`. */
export function namespaced<T>(rest: RestClient, apiVersion: string, plural: string): NamespacedResource<T> {
  const path = (namespace?: string): string => collectionPath(apiVersion, plural, namespace);
  return {
    apiVersion,
    plural,
    path,
    list: (namespace, options) => rest.json("GET", path(namespace), options === undefined ? {} : { query: { ...options } }),
    listAll: (options) => rest.json("GET", path(), options === undefined ? {} : { query: { ...options } }),
    read: (namespace, name) => rest.json("GET", item(path(namespace), name)),
    create: (namespace, body) => rest.json("POST", path(namespace), { body }),
    replace: (namespace, name, body) => rest.json("PUT", item(path(namespace), name), { body }),
    replaceStatus: (namespace, name, body) => rest.json("PUT", item(path(namespace), name, "status"), { body }),
    patch: (namespace, name, patch, type = "merge") =>
      rest.json("PATCH", item(path(namespace), name), { body: patch, contentType: PATCH_TYPES[type] }),
    delete: (namespace, name, options) => rest.json("DELETE", item(path(namespace), name), options === undefined ? {} : { query: { ...options } }),
    deleteCollection: (namespace, options) => rest.json("DELETE", path(namespace), { query: { ...options } }),
  };
}

/** A cluster-scoped kind over `rest`, e.g. `clusterScoped<Node>(rest, "v1", "nodes")`. */
export function clusterScoped<T>(rest: RestClient, apiVersion: string, plural: string): ClusterResource<T> {
  const path = (): string => collectionPath(apiVersion, plural);
  return {
    apiVersion,
    plural,
    path,
    list: (options) => rest.json("GET", path(), options === undefined ? {} : { query: { ...options } }),
    read: (name) => rest.json("GET", item(path(), name)),
    create: (body) => rest.json("POST", path(), { body }),
    replace: (name, body) => rest.json("PUT", item(path(), name), { body }),
    delete: (name, options) => rest.json("DELETE", item(path(), name), options === undefined ? {} : { query: { ...options } }),
  };
}
