import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  NetworkingV1Api,
} from "@kubernetes/client-node";
import { ConflictError, UnavailableError } from "@qs/core";

/** The typed API clients the app packages use, made once per KubeConfig. */
export interface KubeApis {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly networking: NetworkingV1Api;
  readonly custom: CustomObjectsApi;
}

/** Makes the API clients for a kubeconfig. */
export function createKubeApis(config: KubeConfig): KubeApis {
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    batch: config.makeApiClient(BatchV1Api),
    networking: config.makeApiClient(NetworkingV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
  };
}

/** HTTP status of a failed API call (client-node's ApiException.code), else undefined. */
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
