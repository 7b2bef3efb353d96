import * as k8s from "@kubernetes/client-node";
import { ApiError, type StatusCause } from "../status.ts";
import type { KubeObject, ResourceType } from "../types.ts";

// Validation of built-in kinds against the official Kubernetes OpenAPI schemas.
//
// Why these packages: `kubernetes-models` (maintained, generated from the upstream OpenAPI
// spec of each Kubernetes release) ships one ajv-compiled validator per definition under
// `kubernetes-models/_schemas/*`; it checks types, required fields and enums. Its compiled
// schemas allow additional properties, so unknown fields are found by walking
// @kubernetes/client-node's generated attribute maps (also generated from the upstream
// OpenAPI spec), which also give the Go type names the real decoder puts in its messages.
//
// Real server order: decoding (wrong JSON types, and unknown fields under
// fieldValidation=Strict → 400 BadRequest), then validation (required, enums … → 422 Invalid).

type AjvError = { instancePath: string; keyword: string; params: Record<string, unknown> };
type CompiledValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

const schemaPrefix: Record<string, string> = {
  "": "IoK8sApiCoreV1",
  apps: "IoK8sApiAppsV1",
  batch: "IoK8sApiBatchV1",
  autoscaling: "IoK8sApiAutoscalingV2",
  "networking.k8s.io": "IoK8sApiNetworkingV1",
  "rbac.authorization.k8s.io": "IoK8sApiRbacV1",
  "apiextensions.k8s.io": "IoK8sApiextensionsApiserverPkgApisApiextensionsV1",
  "storage.k8s.io": "IoK8sApiStorageV1",
  "coordination.k8s.io": "IoK8sApiCoordinationV1",
  policy: "IoK8sApiPolicyV1",
  "admissionregistration.k8s.io": "IoK8sApiAdmissionregistrationV1",
};

const validators = new Map<string, CompiledValidator>();
let loading: Promise<void> | undefined;

/** Loads the compiled validators of the built-in kinds (once per process). */
export function loadBuiltinSchemas(types: ResourceType[]): Promise<void> {
  loading ??= (async () => {
    await Promise.all(
      types
        .filter((t) => !t.crd && !t.readOnly && schemaPrefix[t.group] !== undefined)
        .map(async (t) => {
          const mod = (await import(`kubernetes-models/_schemas/${schemaPrefix[t.group]}${t.kind}`)) as { validate: CompiledValidator };
          validators.set(`${t.group}/${t.kind}`, mod.validate);
        }),
    );
  })();
  return loading;
}

interface Attr {
  baseName: string;
  type: string;
  format: string;
}
type ModelClass = { getAttributeTypeMap(): Attr[] };
const models = k8s as unknown as Record<string, ModelClass | undefined>;

function modelOf(t: ResourceType): string {
  if (t.kind === "Event" && t.group === "") return "CoreV1Event";
  // autoscaling/v2 HorizontalPodAutoscaler is client-node's V2HorizontalPodAutoscaler.
  return `${t.version.charAt(0).toUpperCase()}${t.version.slice(1)}${t.kind}`;
}

const fieldPath = (parts: (string | number)[]): string =>
  parts.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");

interface Walk {
  unknown: string[];
  /** Where each field lives: path → Go parent type and Go field type (for decode errors). */
  goTypes: Map<string, { parent: string; type: string }>;
}

const attrCache = new Map<string, Map<string, Attr> | undefined>();
function attributesOf(type: string): Map<string, Attr> | undefined {
  if (!attrCache.has(type)) {
    const model = models[type];
    attrCache.set(type, model ? new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a])) : undefined);
  }
  return attrCache.get(type);
}

function goTypeOf(a: Attr): string {
  if (a.type === "number") return a.format === "int64" ? "int64" : a.format === "double" ? "float64" : "int32";
  if (a.type === "boolean") return "bool";
  if (a.type === "Date") return "Time";
  if (a.type.startsWith("Array<")) return `[]${a.type.slice(6, -1)}`;
  if (a.type.startsWith("{")) return "map[string]string";
  return a.type.replace(/^V\d+/, "");
}

/** Walks `value` along the model `type`; collects unknown fields (and drops them when `prune`). */
function walk(value: unknown, type: string, path: (string | number)[], w: Walk, prune: boolean): void {
  if (value === null || typeof value !== "object") return;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, arr[1]!, [...path, i], w, prune));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(v, map[1]!, [...path, k], w, prune);
    return;
  }
  const attrs = attributesOf(type);
  if (!attrs || Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const a = attrs.get(key);
    if (!a) {
      w.unknown.push(fieldPath([...path, key]));
      if (prune) delete obj[key];
      continue;
    }
    w.goTypes.set(fieldPath([...path, key]), { parent: type.replace(/^(V\d+|CoreV1)/, ""), type: goTypeOf(a) });
    walk(obj[key], a.type, [...path, key], w, prune);
  }
}

function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function jsTypeName(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v;
}

function valueAt(o: unknown, parts: (string | number)[]): unknown {
  let cur = o;
  for (const p of parts) cur = cur === null || typeof cur !== "object" ? undefined : (cur as Record<string | number, unknown>)[p];
  return cur;
}

/** Secret data values are []byte: JSON strings must be valid standard base64. */
function checkSecretData(t: ResourceType, o: KubeObject): void {
  const data = o.data;
  if (data === null || typeof data !== "object") return;
  for (const v of Object.values(data as Record<string, unknown>)) {
    if (typeof v !== "string") continue;
    const bad = /[^A-Za-z0-9+/=]/.exec(v);
    if (bad) throw decodeError(t, `illegal base64 data at input byte ${bad.index}`);
    if (v.length % 4 !== 0) throw decodeError(t, `illegal base64 data at input byte ${v.length - (v.length % 4)}`);
  }
}

const decodeError = (t: ResourceType, detail: string): ApiError =>
  new ApiError(400, "BadRequest", `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${detail}`);

/**
 * Validates a built-in object. Unknown fields: Strict → 400 BadRequest, otherwise dropped and
 * returned as warnings. Returns the 422 causes (required, enum) for the caller to combine.
 */
export function validateBuiltin(t: ResourceType, o: KubeObject, strict: boolean, warnings: string[]): StatusCause[] {
  const w: Walk = { unknown: [], goTypes: new Map() };
  walk(o, modelOf(t), [], w, !strict);
  if (w.unknown.length > 0) {
    if (strict) throw decodeError(t, `strict decoding error: ${w.unknown.map((u) => `unknown field "${u}"`).join(", ")}`);
    for (const u of w.unknown) warnings.push(`unknown field "${u}"`);
  }
  if (t.kind === "Secret") checkSecretData(t, o);
  const validate = validators.get(`${t.group}/${t.kind}`);
  if (!validate || validate(o)) return [];
  const errors = validate.errors ?? [];
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  // Decoding stops at the first wrong JSON type, as encoding/json does.
  const typeErr = errors.find((e) => e.keyword === "type" || e.keyword === "oneOf");
  if (typeErr) {
    const parts = pathOf(typeErr.instancePath);
    const dotted = fieldPath(parts);
    const go = w.goTypes.get(dotted) ?? { parent: t.kind, type: JSON.stringify(typeErr.params.type ?? "") };
    const shown = oneOfPaths.has(typeErr.instancePath) ? "IntOrString" : go.type;
    const jsonPath = parts.filter((p) => typeof p === "string").join(".");
    throw decodeError(t, `json: cannot unmarshal ${jsTypeName(valueAt(o, parts))} into Go struct field ${go.parent}.${jsonPath} of type ${shown}`);
  }
  const causes: StatusCause[] = [];
  for (const e of errors) {
    const parts = pathOf(e.instancePath);
    if (e.keyword === "required") {
      causes.push({ reason: "FieldValueRequired", message: "Required value", field: fieldPath([...parts, String(e.params.missingProperty)]) });
    } else if (e.keyword === "enum") {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => `"${String(v)}"`).join(", ");
      causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: "${String(valueAt(o, parts))}": supported values: ${allowed}`, field: fieldPath(parts) });
    } else {
      causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(valueAt(o, parts))}: ${e.keyword}`, field: fieldPath(parts) });
    }
  }
  return causes;
}
