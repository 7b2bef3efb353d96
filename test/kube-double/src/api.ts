import { randomUUID } from "node:crypto";
import { applyDefaults, randomSuffix } from "./defaults.ts";
import type { Registry } from "./resources.ts";
import {
  alreadyExists,
  ApiError,
  badRequest,
  notFound,
  staleConflict,
  conflict,
} from "./status.ts";
import type { Store } from "./store.ts";
import { apiVersionOf, typeKey, type KubeObject, type ResourceType } from "./types.ts";

// Object semantics shared by the HTTP router and the simulated controllers: uid,
// creationTimestamp, generation, optimistic concurrency, status subresource rules,
// finalizers and deletion (the propagation itself lives in gc.ts).

/** Checks an object before it is stored; throws an ApiError (422/400) to reject it. */
export type Validator = (t: ResourceType, obj: KubeObject, old: KubeObject | undefined, ctx: { strict: boolean; warnings: string[] }) => void;

export interface WriteOptions {
  /** Which part of the object a write may change. */
  subresource?: "status" | undefined;
  /** Validate and default but do not store (dryRun=All). */
  dryRun?: boolean;
  /** Reject unknown fields (fieldValidation=Strict). */
  strict?: boolean;
  /** Collects warnings (e.g. unknown fields dropped under fieldValidation=Warn). */
  warnings?: string[];
  /** Name of the writer for managedFields. */
  fieldManager?: string;
}

export interface DeleteOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

/** Hooks gc.ts and the kubelet plug into. */
export interface DeleteHooks {
  /** Called when an object is marked for deletion (deletionTimestamp set). */
  onMarked?: (t: ResourceType, obj: KubeObject, options: DeleteOptions) => void;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Drops null fields, as decoding into Go structs (null → zero value → omitted) does. */
function dropNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) dropNulls(x);
  } else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else dropNulls(x);
    }
  }
}

function specOf(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}

export class KubeApi {
  readonly store: Store;
  readonly registry: Registry;
  validators: Validator[] = [];
  deleteHooks: DeleteHooks = {};
  /** Seconds a pod stays Terminating after DELETE (graceful deletion); 0 = immediate. */
  podGraceMs = 0;

  constructor(store: Store, registry: Registry) {
    this.store = store;
    this.registry = registry;
  }

  /** A copy of the stored object, or undefined. */
  find(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.store.get(typeKey(t), t.namespaced ? (namespace ?? "") : "", name);
    return o ? structuredClone(o) : undefined;
  }

  /** A copy of the stored object, or 404. */
  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.find(t, namespace, name);
    if (!o) throw notFound(t, name);
    return o;
  }

  /** Copies of the objects of one type (optionally one namespace). */
  list(t: ResourceType, namespace?: string): KubeObject[] {
    return this.store.list(typeKey(t), t.namespaced ? namespace : undefined).map((o) => structuredClone(o));
  }

  private validate(t: ResourceType, o: KubeObject, old: KubeObject | undefined, options: WriteOptions): void {
    const ctx = { strict: options.strict ?? false, warnings: options.warnings ?? [] };
    for (const v of this.validators) v(t, o, old, ctx);
  }

  /** POST: creates an object (name or generateName), 409 AlreadyExists if taken. */
  create(t: ResourceType, input: KubeObject, namespace: string | undefined, options: WriteOptions = {}): KubeObject {
    const o = structuredClone(input);
    if (!t.crd) dropNulls(o);
    if (!isObj(o.metadata)) o.metadata = {} as KubeObject["metadata"];
    const meta = o.metadata;
    o.apiVersion ??= apiVersionOf(t);
    o.kind ??= t.kind;
    if (t.namespaced) {
      const ns = namespace ?? meta.namespace ?? "default";
      if (meta.namespace !== undefined && meta.namespace !== ns) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta.namespace = ns;
      this.checkNamespaceOpen(ns, t);
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name) {
      throw new ApiError(422, "Invalid", `${t.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, {
        kind: t.kind,
        group: t.group,
        causes: [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }],
      });
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    delete (meta as Partial<typeof meta>).resourceVersion;
    delete meta.deletionTimestamp;
    if (t.generation) meta.generation = 1;
    else delete meta.generation;
    // Status is owned by controllers: creates through the main resource drop it.
    if (t.subresources.includes("status") && o.kind !== "Namespace") delete o.status;
    applyDefaults(o);
    this.validate(t, o, undefined, options);
    if (this.store.get(typeKey(t), meta.namespace ?? "", meta.name)) throw alreadyExists(t, meta.name);
    if (options.dryRun) return o;
    return structuredClone(this.store.write(typeKey(t), o));
  }

  private checkNamespaceOpen(ns: string, t: ResourceType): void {
    const nsType = this.registry.builtin("Namespace");
    const nsObj = this.store.get(typeKey(nsType), "", ns);
    if (!nsObj) throw notFound(nsType, ns);
    if (nsObj.metadata.deletionTimestamp) {
      throw new ApiError(
        403,
        "Forbidden",
        `${t.resource} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
        {
          kind: t.resource,
          group: t.group,
          causes: [{ reason: "NamespaceTerminating", message: `namespace ${ns} is being terminated`, field: "metadata.namespace" }],
        },
      );
    }
  }

  /** PUT: replaces an object (or its status), 409 Conflict on a stale resourceVersion. */
  update(t: ResourceType, input: KubeObject, namespace: string | undefined, options: WriteOptions = {}): KubeObject {
    const name = input.metadata?.name;
    if (!name) throw badRequest("name is required");
    const old = this.store.get(typeKey(t), t.namespaced ? (namespace ?? input.metadata.namespace ?? "") : "", name);
    if (!old) throw notFound(t, name);
    if (input.metadata.resourceVersion && input.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw staleConflict(t, name);
    }
    if (input.metadata.uid && input.metadata.uid !== old.metadata.uid) {
      throw conflict(t, name, `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    let o: KubeObject;
    if (options.subresource === "status") {
      o = structuredClone(old);
      if (input.status === undefined) delete o.status;
      else o.status = structuredClone(input.status);
      if (!t.crd) dropNulls(o.status);
    } else {
      o = structuredClone(input);
      if (!t.crd) dropNulls(o);
      o.apiVersion = old.apiVersion;
      o.kind = old.kind;
      const keep = old.metadata;
      o.metadata = {
        ...o.metadata,
        name: keep.name,
        uid: keep.uid,
        creationTimestamp: keep.creationTimestamp,
        resourceVersion: keep.resourceVersion,
      };
      if (keep.namespace !== undefined) o.metadata.namespace = keep.namespace;
      else delete o.metadata.namespace;
      if (keep.deletionTimestamp) o.metadata.deletionTimestamp = keep.deletionTimestamp;
      else delete o.metadata.deletionTimestamp;
      if (keep.generation !== undefined) o.metadata.generation = keep.generation;
      if (t.subresources.includes("status") && o.kind !== "Namespace") {
        if (old.status === undefined) delete o.status;
        else o.status = structuredClone(old.status);
      }
      applyDefaults(o);
    }
    if (t.generation && specOf(o) !== specOf(old)) o.metadata.generation = (old.metadata.generation ?? 0) + 1;
    this.validate(t, o, old, options);
    if (options.dryRun) return o;
    if (JSON.stringify(o) === JSON.stringify(old)) return structuredClone(old);
    if (o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).length === 0) {
      this.store.remove(typeKey(t), o.metadata.namespace ?? "", name);
      return o;
    }
    return structuredClone(this.store.write(typeKey(t), o));
  }

  /** Applies `mutate` to the latest copy and updates it, retrying on conflict (for controllers). */
  mutate(t: ResourceType, namespace: string | undefined, name: string, mutate: (o: KubeObject) => void, subresource?: "status"): KubeObject | undefined {
    const o = this.find(t, namespace, name);
    if (!o) return undefined;
    mutate(o);
    return this.update(t, o, namespace, { subresource, fieldManager: "kube-double-controller" });
  }

  /** DELETE: marks or removes an object; dependents are handled by the GC hooks. */
  delete(t: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): { object: KubeObject; removed: boolean } {
    const ns = t.namespaced ? (namespace ?? "") : "";
    const old = this.store.get(typeKey(t), ns, name);
    if (!old) throw notFound(t, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw conflict(t, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(t, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    if (options.dryRun) return { object: structuredClone(old), removed: true };
    const o = structuredClone(old);
    const policy = options.propagationPolicy ?? (t.kind === "Job" || t.kind === "CronJob" ? "Orphan" : "Background");
    const finalizers = new Set(o.metadata.finalizers ?? []);
    if (policy === "Foreground") finalizers.add("foregroundDeletion");
    if (policy === "Orphan") finalizers.add("orphan");
    const graceful = t.kind === "Pod" && this.podGraceMs > 0 && options.gracePeriodSeconds !== 0;
    if (t.kind === "Namespace" || finalizers.size > 0 || graceful) {
      if (!o.metadata.deletionTimestamp) {
        o.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        if (t.kind === "Pod") o.metadata.deletionGracePeriodSeconds = options.gracePeriodSeconds ?? 30;
        o.metadata.finalizers = [...finalizers];
        if (o.metadata.finalizers.length === 0) delete o.metadata.finalizers;
        if (t.kind === "Namespace") o.status = { ...(isObj(o.status) ? o.status : {}), phase: "Terminating" };
        if (t.generation) o.metadata.generation = (o.metadata.generation ?? 0) + 1;
        const written = this.store.write(typeKey(t), o);
        this.deleteHooks.onMarked?.(t, structuredClone(written), options);
        return { object: structuredClone(written), removed: false };
      }
      return { object: o, removed: false };
    }
    const removed = this.store.remove(typeKey(t), ns, name)!;
    return { object: structuredClone(removed), removed: true };
  }

  /** Removes an object marked for deletion once nothing holds it (used by GC and kubelet). */
  finalize(t: ResourceType, namespace: string | undefined, name: string, drop: string[] = []): void {
    const o = this.find(t, namespace, name);
    if (!o?.metadata.deletionTimestamp) return;
    const left = (o.metadata.finalizers ?? []).filter((f) => !drop.includes(f));
    if (left.length === 0) {
      this.store.remove(typeKey(t), o.metadata.namespace ?? "", name);
      return;
    }
    if (left.length !== (o.metadata.finalizers ?? []).length) {
      o.metadata.finalizers = left;
      this.store.write(typeKey(t), o);
    }
  }
}
