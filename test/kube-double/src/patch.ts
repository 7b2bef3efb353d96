import { ApiError, badRequest } from "./status.ts";

// The three patch formats of the PATCH verb: JSON merge patch (RFC 7386), JSON patch
// (RFC 6902) and strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch) for
// the list fields QuickStack and kubectl touch: lists of objects merge by their patchMergeKey.

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescapePointer(seg: string): string {
  return seg.replace(/~1/g, "/").replace(/~0/g, "~");
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw badRequest(`invalid JSON pointer ${path}`);
  return path.slice(1).split("/").map(unescapePointer);
}

function walk(doc: unknown, segs: string[]): unknown {
  let cur = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) cur = cur[Number(s)];
    else if (isObj(cur)) cur = cur[s];
    else return undefined;
  }
  return cur;
}

function jsonPatchError(message: string): ApiError {
  return new ApiError(422, "Invalid", message);
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest("json patch must be an array of operations");
  let doc = structuredClone(target);
  for (const raw of ops) {
    if (!isObj(raw)) throw badRequest("json patch operation must be an object");
    const op = String(raw.op);
    const path = pointer(typeof raw.path === "string" ? raw.path : "");
    const set = (segs: string[], value: unknown, insert: boolean): void => {
      if (segs.length === 0) {
        doc = value;
        return;
      }
      const parent = walk(doc, segs.slice(0, -1));
      const last = segs[segs.length - 1]!;
      if (Array.isArray(parent)) {
        const idx = last === "-" ? parent.length : Number(last);
        if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw jsonPatchError(`index out of range: ${last}`);
        if (insert) parent.splice(idx, 0, value);
        else parent[idx] = value;
      } else if (isObj(parent)) {
        if (!insert && !(last in parent)) throw jsonPatchError(`replace operation does not apply: doc is missing key: /${segs.join("/")}`);
        parent[last] = value;
      } else throw jsonPatchError(`doc is missing path: /${segs.join("/")}`);
    };
    const remove = (segs: string[]): unknown => {
      const parent = walk(doc, segs.slice(0, -1));
      const last = segs[segs.length - 1]!;
      if (Array.isArray(parent)) {
        const idx = Number(last);
        if (!(idx >= 0 && idx < parent.length)) throw jsonPatchError(`remove operation does not apply: doc is missing path: /${segs.join("/")}`);
        return parent.splice(idx, 1)[0];
      }
      if (isObj(parent) && last in parent) {
        const v = parent[last];
        delete parent[last];
        return v;
      }
      throw jsonPatchError(`remove operation does not apply: doc is missing path: /${segs.join("/")}`);
    };
    switch (op) {
      case "add":
        set(path, structuredClone(raw.value), true);
        break;
      case "replace":
        set(path, structuredClone(raw.value), false);
        break;
      case "remove":
        remove(path);
        break;
      case "move": {
        const v = remove(pointer(String(raw.from)));
        set(path, v, true);
        break;
      }
      case "copy":
        set(path, structuredClone(walk(doc, pointer(String(raw.from)))), true);
        break;
      case "test":
        if (JSON.stringify(walk(doc, path)) !== JSON.stringify(raw.value)) throw jsonPatchError(`testing value /${path.join("/")} failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

/** patchMergeKey of list fields (by field name, with the parent's field for ambiguous ones). */
function mergeKeyOf(field: string, parentPath: string[]): string | undefined {
  switch (field) {
    case "containers":
    case "initContainers":
    case "ephemeralContainers":
    case "env":
    case "volumes":
    case "imagePullSecrets":
    case "containerStatuses":
    case "initContainerStatuses":
      return "name";
    case "volumeMounts":
      return "mountPath";
    case "volumeDevices":
      return "devicePath";
    case "ports":
      // ServiceSpec.ports merge by port, Container.ports by containerPort.
      return parentPath[parentPath.length - 1] === "spec" && !parentPath.includes("template") ? "port" : "containerPort";
    case "conditions":
      return "type";
    case "ownerReferences":
      return "uid";
    case "hostAliases":
      return "ip";
    case "topologySpreadConstraints":
      return "topologyKey";
    case "addresses":
      return "type";
    default:
      return undefined;
  }
}

const primitiveMergeLists = new Set(["finalizers"]);

/** Strategic merge patch of `patch` onto `target` (object at `path`). */
export function strategicMerge(target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === "delete") return undefined;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$setElementOrder/") || k.startsWith("$deleteFromPrimitiveList/") || k === "$retainKeys" || k === "$patch") {
      if (k.startsWith("$deleteFromPrimitiveList/") && Array.isArray(v)) {
        const field = k.slice("$deleteFromPrimitiveList/".length);
        const cur = out[field];
        if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.includes(x));
      }
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v)) {
      const key = mergeKeyOf(k, path);
      if (key && Array.isArray(cur)) out[k] = mergeList(cur, v, key, [...path, k]);
      else if (primitiveMergeLists.has(k) && Array.isArray(cur)) out[k] = [...new Set([...cur, ...v])];
      else out[k] = v.map((x) => stripDirectives(x));
    } else if (isObj(v)) {
      const merged = strategicMerge(cur, v, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  return out;
}

function mergeList(cur: unknown[], patch: unknown[], key: string, path: string[]): unknown[] {
  if (patch.some((p) => isObj(p) && p.$patch === "replace")) {
    return patch.filter((p) => !(isObj(p) && p.$patch === "replace")).map(stripDirectives);
  }
  const out = [...cur];
  for (const item of patch) {
    if (!isObj(item)) {
      out.push(item);
      continue;
    }
    const idx = out.findIndex((c) => isObj(c) && c[key] === item[key]);
    if (item.$patch === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], item, path);
    else out.push(stripDirectives(item));
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = stripDirectives(x);
  return out;
}
