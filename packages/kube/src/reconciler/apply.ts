import type { KubeObject } from "../rest/wire.ts";
import { isConflict, orUndefined } from "../apis.ts";
import { sha256, stableStringify } from "../hash.ts";
import { ANNOTATION_SPEC_HASH } from "../labels.ts";
import type { KindOps } from "./kinds.ts";

/** What applying one object did. */
export type ApplyResult = "created" | "updated" | "unchanged";

/** The desired object with the hash of its rendered form as an annotation. */
export function withSpecHash<T extends KubeObject>(desired: T): T {
  const hash = sha256(stableStringify(desired));
  return {
    ...desired,
    metadata: { ...desired.metadata, annotations: { ...desired.metadata?.annotations, [ANNOTATION_SPEC_HASH]: hash } },
  };
}

/**
 * Makes the live object match the desired one. Create-or-replace with the live
 * resourceVersion (not server-side apply: the API double and old k3s both speak it, and a
 * replace with resourceVersion gives exact optimistic concurrency). Unchanged objects — same
 * rendered hash — are not touched at all, so a control-plane restart rolls nothing.
 */
export function mergeForReplace(kind: string, desired: KubeObject, live: KubeObject): KubeObject {
  const metadata = { ...desired.metadata, resourceVersion: live.metadata?.resourceVersion };
  const liveSpec = (live as { spec?: Record<string, unknown> }).spec ?? {};
  const desiredSpec = (desired as { spec?: Record<string, unknown> }).spec ?? {};
  if (kind === "Service") {
    // clusterIP is assigned by the API server and immutable.
    const keep = { clusterIP: liveSpec.clusterIP, clusterIPs: liveSpec.clusterIPs, ipFamilies: liveSpec.ipFamilies };
    return { ...desired, metadata, spec: { ...desiredSpec, ...keep } } as KubeObject;
  }
  if (kind === "PersistentVolumeClaim") {
    // A claim's spec is immutable except for its size (growing only, where the class allows).
    return { ...live, metadata: { ...live.metadata, labels: desired.metadata?.labels, annotations: desired.metadata?.annotations }, spec: { ...liveSpec, resources: desiredSpec.resources } } as KubeObject;
  }
  if (kind === "Deployment" && desiredSpec.replicas === undefined && liveSpec.replicas !== undefined) {
    // Autoscaled: the HorizontalPodAutoscaler set the live count; a replace without it would
    // default it to 1.
    return { ...desired, metadata, spec: { ...desiredSpec, replicas: liveSpec.replicas } } as KubeObject;
  }
  return { ...desired, metadata };
}

/**
 * Creates or replaces one object. `live` is what a list of the kind returned (undefined: not
 * there); "read" asks the API first (for objects a list cannot see). 409 on replace propagates.
 */
export async function applyObject(
  ops: KindOps,
  desired: KubeObject,
  live: KubeObject | undefined | "read" = "read",
): Promise<ApplyResult> {
  const namespace = desired.metadata?.namespace ?? "";
  const name = desired.metadata?.name ?? "";
  const target = withSpecHash(desired);
  const current = live === "read" ? await orUndefined(() => ops.read(namespace, name)) : live;
  if (current === undefined) {
    try {
      await ops.create(namespace, target);
      return "created";
    } catch (err) {
      // Exists without our labels (made by hand, or labels edited): take it over.
      if (!isConflict(err) || live === "read") throw err;
      return applyObject(ops, desired, "read");
    }
  }
  const want = target.metadata?.annotations?.[ANNOTATION_SPEC_HASH];
  if (current.metadata?.annotations?.[ANNOTATION_SPEC_HASH] === want && current.metadata?.deletionTimestamp === undefined) {
    return "unchanged";
  }
  await ops.replace(namespace, name, mergeForReplace(ops.kind, target, current));
  return "updated";
}
