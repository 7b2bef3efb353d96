import type { KubeApi, WriteOptions } from "./api.ts";
import { strategicMerge } from "./patch.ts";
import { ApiError, badRequest } from "./status.ts";
import type { KubeObject, ResourceType } from "./types.ts";

// Server-side apply (PATCH application/apply-patch+yaml), simplified from
// sigs.k8s.io/structured-merge-diff: each field manager owns the leaf field paths it applied
// (kept in metadata.managedFields as FieldsV1); applying a value another Apply manager owns
// with a different value is a 409 Conflict unless force=true; fields the manager applied
// before and no longer applies are removed. Lists of objects with a merge key (containers,
// env, ports, volumes …) are associative; other lists are atomic.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const listKeys: Record<string, string> = {
  containers: "name", initContainers: "name", env: "name", volumes: "name", volumeMounts: "mountPath",
  imagePullSecrets: "name", conditions: "type", ownerReferences: "uid",
};
function listKey(field: string, path: string[]): string | undefined {
  if (field === "ports") return path.includes("containers") || path.includes("initContainers") ? "containerPort" : "port";
  return listKeys[field];
}

const skipTop = new Set(["apiVersion", "kind", "status"]);
const skipMeta = new Set(["name", "namespace", "uid", "resourceVersion", "managedFields", "creationTimestamp", "generation"]);

/** Leaf paths of an applied configuration, each as segments ("f:spec", 'k:{"name":"web"}'). */
function leafPaths(v: unknown, prefix: string[], fieldPath: string[], out: Map<string, unknown>): void {
  if (isObj(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) {
      if (prefix.length === 0 && skipTop.has(k)) continue;
      if (prefix.length === 1 && prefix[0] === "f:metadata" && skipMeta.has(k)) continue;
      const key = listKey(k, fieldPath);
      if (Array.isArray(x) && key && x.every((i) => isObj(i) && i[key] !== undefined)) {
        for (const item of x as Obj[]) {
          const seg = `k:${JSON.stringify({ [key]: item[key] })}`;
          const p = [...prefix, `f:${k}`, seg];
          out.set(JSON.stringify(p), item);
          leafPaths(item, p, [...fieldPath, k], out);
        }
      } else if (isObj(x) && Object.keys(x).length > 0) leafPaths(x, [...prefix, `f:${k}`], [...fieldPath, k], out);
      else out.set(JSON.stringify([...prefix, `f:${k}`]), x);
    }
  }
}

function toFieldsV1(paths: string[]): Obj {
  const root: Obj = {};
  for (const p of paths) {
    let cur = root;
    for (const seg of JSON.parse(p) as string[]) {
      const next = isObj(cur[seg]) ? cur[seg] : ((cur[seg] = {}) as Obj);
      cur = next;
    }
    cur["."] = {};
  }
  return root;
}

function fromFieldsV1(f: unknown, prefix: string[] = [], out: string[] = []): string[] {
  if (!isObj(f)) return out;
  for (const [k, v] of Object.entries(f)) {
    if (k === ".") out.push(JSON.stringify(prefix));
    else fromFieldsV1(v, [...prefix, k], out);
  }
  return out;
}

function valueAt(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (seg.startsWith("f:")) cur = isObj(cur) ? cur[seg.slice(2)] : undefined;
    else if (seg.startsWith("k:")) {
      const [[k, val]] = Object.entries(JSON.parse(seg.slice(2)) as Obj) as [[string, unknown]];
      cur = Array.isArray(cur) ? cur.find((i) => isObj(i) && i[k] === val) : undefined;
    }
  }
  return cur;
}

function removeAt(obj: unknown, path: string[]): void {
  const parent = valueAt(obj, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (last.startsWith("f:") && isObj(parent)) delete parent[last.slice(2)];
  else if (last.startsWith("k:")) {
    const list = valueAt(obj, path.slice(0, -1));
    const [[k, val]] = Object.entries(JSON.parse(last.slice(2)) as Obj) as [[string, unknown]];
    if (Array.isArray(list)) {
      const i = list.findIndex((x) => isObj(x) && x[k] === val);
      if (i >= 0) list.splice(i, 1);
    }
  }
}

const fieldText = (p: string): string =>
  (JSON.parse(p) as string[]).map((s) => (s.startsWith("f:") ? `.${s.slice(2)}` : `[${s.slice(2)}]`)).join("");

interface Entry extends Obj {
  manager: string;
  operation: string;
  fieldsV1?: Obj;
}

/** Applies `config` as `fieldManager`; returns the stored object and whether it was created. */
export function serverSideApply(
  api: KubeApi,
  t: ResourceType,
  namespace: string | undefined,
  name: string,
  config: KubeObject,
  options: WriteOptions & { force: boolean },
): { object: KubeObject; created: boolean } {
  const manager = options.fieldManager;
  if (!manager) {
    throw new ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
      group: "meta.k8s.io", kind: "PatchOptions",
      causes: [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }],
    });
  }
  if (!isObj(config) || !isObj(config.metadata)) throw badRequest("apply patch must be an object with metadata");
  if (config.metadata.name !== undefined && config.metadata.name !== name) throw badRequest("the name of the object does not match the name on the URL");
  const applied = new Map<string, unknown>();
  leafPaths(config, [], [], applied);
  const mine = [...applied.keys()];
  const live = api.find(t, namespace, name);
  const entry = (): Entry => ({ manager, operation: "Apply", apiVersion: config.apiVersion, time: new Date().toISOString().replace(/\.\d+Z$/, "Z"), fieldsType: "FieldsV1", fieldsV1: toFieldsV1(mine) });
  if (!live) {
    const obj = structuredClone(config);
    obj.metadata = { ...obj.metadata, name, managedFields: [entry()] };
    return { object: api.create(t, obj, namespace, options), created: true };
  }
  const entries = (live.metadata.managedFields ?? []).filter(isObj) as Entry[];
  const conflicts: { manager: string; path: string }[] = [];
  const others = entries.filter((e) => !(e.manager === manager && e.operation === "Apply"));
  for (const e of others) {
    if (e.operation !== "Apply") continue;
    const owned = new Set(fromFieldsV1(e.fieldsV1));
    for (const p of mine) {
      if (owned.has(p) && JSON.stringify(valueAt(live, JSON.parse(p) as string[])) !== JSON.stringify(applied.get(p))) {
        if (isObj(applied.get(p))) continue;
        conflicts.push({ manager: e.manager, path: p });
      }
    }
  }
  if (conflicts.length > 0 && !options.force) {
    const lines = conflicts.map((c) => `conflict with "${c.manager}": ${fieldText(c.path)}`);
    throw new ApiError(409, "Conflict", `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${lines.join("\n")}`, {
      name, group: t.group, kind: t.resource,
      causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with "${c.manager}"`, field: fieldText(c.path) })),
    });
  }
  const taken = new Set(conflicts.map((c) => c.path));
  const kept: Entry[] = [];
  for (const e of others) {
    if (e.operation === "Apply" && taken.size > 0) {
      const left = fromFieldsV1(e.fieldsV1).filter((p) => !taken.has(p));
      if (left.length === 0) continue;
      kept.push({ ...e, fieldsV1: toFieldsV1(left) });
    } else kept.push(e);
  }
  const previous = entries.find((e) => e.manager === manager && e.operation === "Apply");
  const ownedByOthers = new Set(kept.filter((e) => e.operation === "Apply").flatMap((e) => fromFieldsV1(e.fieldsV1)));
  const next = structuredClone(live);
  for (const p of fromFieldsV1(previous?.fieldsV1)) {
    if (!applied.has(p) && !ownedByOthers.has(p)) removeAt(next, JSON.parse(p) as string[]);
  }
  const merged = strategicMerge(next, { ...config, metadata: { ...config.metadata, managedFields: undefined } }) as KubeObject;
  merged.metadata.managedFields = [...kept, entry()];
  merged.metadata.resourceVersion = live.metadata.resourceVersion;
  return { object: api.update(t, merged, namespace, options), created: false };
}
