import type { KubeApi, WriteOptions } from "./api.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { ApiError, badRequest } from "./status.ts";
import { apiVersionOf, typeKey, type KubeObject, type ResourceType } from "./types.ts";

// Pieces of the REST verbs: list pages, the autoscaling/v1 Scale view, selectors, kind checks.

export function withKind(t: ResourceType, obj: KubeObject): KubeObject {
  return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(t), kind: obj.kind ?? t.kind };
}

/** The autoscaling/v1 Scale of a workload. */
export function scaleOf(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (obj.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

/** Sets spec.replicas through the scale subresource (422 for a negative count). */
export function setReplicas(api: KubeApi, t: ResourceType, ns: string | undefined, name: string, scale: KubeObject, opts: WriteOptions): KubeObject {
  const replicas = (scale.spec as { replicas?: number } | undefined)?.replicas;
  if (typeof replicas !== "number" || replicas < 0) {
    throw new ApiError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${String(replicas)}: must be greater than or equal to 0`, {
      name, group: "autoscaling", kind: "Scale",
      causes: [{ reason: "FieldValueInvalid", message: `Invalid value: ${String(replicas)}: must be greater than or equal to 0`, field: "spec.replicas" }],
    });
  }
  const current = api.get(t, ns, name);
  const rv = scale.metadata?.resourceVersion;
  if (rv && rv !== current.metadata.resourceVersion) current.metadata.resourceVersion = rv;
  (current.spec as { replicas?: number }).replicas = replicas;
  return api.update(t, current, ns, opts);
}

/** 400 when the body names another kind or apiVersion than the URL. */
export function checkKind(t: ResourceType, body: KubeObject): void {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw badRequest("the body of the request must be an object");
  if (body.kind !== undefined && body.kind !== t.kind) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`);
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(t)) {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(t)})`);
  }
}

/** Compiles labelSelector + fieldSelector (+ a fixed name) into one matcher. */
export function fieldAndLabel(t: ResourceType, q: URLSearchParams, name: string | undefined): (obj: KubeObject) => boolean {
  const labels = parseLabelSelector(q.get("labelSelector"));
  const fields = parseFieldSelector(q.get("fieldSelector"), t.kind);
  return (obj) => (name === undefined || obj.metadata.name === name) && labels(obj) && fields(obj);
}

/** A (paged) list of objects matching the query. */
export function listOf(api: KubeApi, t: ResourceType, ns: string | undefined, q: URLSearchParams): KubeObject {
  const match = fieldAndLabel(t, q, undefined);
  let items = api.store.list(typeKey(t), t.namespaced ? ns : undefined).filter(match);
  const rv = String(api.store.rv);
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  const cont = q.get("continue");
  if (cont) {
    const after = Buffer.from(cont, "base64url").toString("utf8");
    items = items.filter((i) => `${i.metadata.namespace ?? ""}\u0000${i.metadata.name}` > after);
  }
  const limit = Number(q.get("limit") ?? "0");
  if (limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    const last = items[items.length - 1]!;
    metadata.continue = Buffer.from(`${last.metadata.namespace ?? ""}\u0000${last.metadata.name}`).toString("base64url");
  }
  return {
    kind: `${t.kind}List`,
    apiVersion: apiVersionOf(t),
    metadata: metadata as unknown as KubeObject["metadata"],
    items: items.map((i) => withKind(t, i)),
  };
}
