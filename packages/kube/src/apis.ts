import { ConflictError, UnavailableError } from "@qs/core";
import { type RestClient, createRestClient } from "./rest/client.ts";
import type { KubeConnection } from "./rest/connection.ts";
import { type ClusterResource, type NamespacedResource, clusterScoped, namespaced } from "./rest/resource.ts";
import type {
  ConfigMap,
  CustomResourceDefinition,
  Deployment,
  HorizontalPodAutoscaler,
  Ingress,
  Job,
  Namespace,
  NetworkPolicy,
  Node,
  PersistentVolumeClaim,
  Pod,
  RoleBinding,
  Secret,
  Service,
} from "./rest/wire.ts";

/** The kinds the packages use, over one REST client (one keep-alive agent) per cluster. */
export interface KubeApis {
  readonly rest: RestClient;
  readonly namespaces: ClusterResource<Namespace>;
  readonly nodes: ClusterResource<Node>;
  readonly crds: ClusterResource<CustomResourceDefinition>;
  readonly pods: NamespacedResource<Pod>;
  readonly secrets: NamespacedResource<Secret>;
  readonly roleBindings: NamespacedResource<RoleBinding>;
  readonly configMaps: NamespacedResource<ConfigMap>;
  readonly services: NamespacedResource<Service>;
  readonly persistentVolumeClaims: NamespacedResource<PersistentVolumeClaim>;
  readonly deployments: NamespacedResource<Deployment>;
  readonly jobs: NamespacedResource<Job>;
  readonly ingresses: NamespacedResource<Ingress>;
  readonly networkPolicies: NamespacedResource<NetworkPolicy>;
  readonly horizontalPodAutoscalers: NamespacedResource<HorizontalPodAutoscaler>;
  /** A custom resource kind, e.g. `custom<AppObject>("quickstack.dev/v1alpha1", "apps")`. */
  custom<T>(apiVersion: string, plural: string): NamespacedResource<T>;
}

/** Makes the API handles for a connection (or an existing REST client, to share its agent). */
export function createKubeApis(from: KubeConnection | RestClient): KubeApis {
  const rest = "json" in from ? from : createRestClient(from);
  return {
    rest,
    namespaces: clusterScoped(rest, "v1", "namespaces"),
    nodes: clusterScoped(rest, "v1", "nodes"),
    crds: clusterScoped(rest, "apiextensions.k8s.io/v1", "customresourcedefinitions"),
    pods: namespaced(rest, "v1", "pods"),
    secrets: namespaced(rest, "v1", "secrets"),
    roleBindings: namespaced(rest, "rbac.authorization.k8s.io/v1", "rolebindings"),
    configMaps: namespaced(rest, "v1", "configmaps"),
    services: namespaced(rest, "v1", "services"),
    persistentVolumeClaims: namespaced(rest, "v1", "persistentvolumeclaims"),
    deployments: namespaced(rest, "apps/v1", "deployments"),
    jobs: namespaced(rest, "batch/v1", "jobs"),
    ingresses: namespaced(rest, "networking.k8s.io/v1", "ingresses"),
    networkPolicies: namespaced(rest, "networking.k8s.io/v1", "networkpolicies"),
    horizontalPodAutoscalers: namespaced(rest, "autoscaling/v2", "horizontalpodautoscalers"),
    custom: (apiVersion, plural) => namespaced(rest, apiVersion, plural),
  };
}

/** The log subresource of a pod (GET with container, follow, tailLines, previous …). */
export function podLogPath(apis: KubeApis, namespace: string, pod: string): string {
  return `${apis.pods.path(namespace)}/${encodeURIComponent(pod)}/log`;
}

/** HTTP status of a failed API call (KubeApiError.code), else undefined. */
export function statusOf(err: unknown): number | undefined {
  if (err !== null && typeof err === "object" && "code" in err && typeof err.code === "number") return err.code;
  return undefined;
}

/** True for a 404 Not Found answer. */
export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
/** True for a 409 (stale resourceVersion on update, or AlreadyExists on create). */
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;

/** Runs `fn`, returning undefined instead of throwing on 404. */
export async function orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Ignores a 404 (deleting what is already gone). */
export async function ignoreNotFound(fn: () => Promise<unknown>): Promise<void> {
  await orUndefined(fn);
}

/** How many times a read-modify-write is retried on 409 before giving up. */
export const MAX_CONFLICT_RETRIES = 20;

/**
 * Read-modify-write with optimistic concurrency: `attempt` reads, changes and writes with the
 * resourceVersion it read; a 409 means someone wrote in between, so read again and redo.
 */
export async function retryOnConflict<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isConflict(err)) throw err;
      if (i >= MAX_CONFLICT_RETRIES) {
        throw new ConflictError("TOO_MANY_CONFLICTS", `${what}: too many concurrent changes`, {
          hint: "try again",
          cause: err,
        });
      }
      // Small jittered pause so racing writers do not collide again in lock-step.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (i + 1)));
    }
  }
}

/** Wraps a network-level failure (no HTTP status) as UnavailableError; passes others through. */
export function asUnavailable(err: unknown, what: string): unknown {
  if (statusOf(err) !== undefined || !(err instanceof Error)) return err;
  return new UnavailableError("KUBERNETES_UNAVAILABLE", `${what}: ${err.message}`, { cause: err });
}
