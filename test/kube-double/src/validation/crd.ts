import { ApiError, type StatusCause } from "../status.ts";
import type { KubeObject, ResourceType } from "../types.ts";

// Validation of custom resources against their CRD's openAPIV3Schema (structural schema
// semantics of apiextensions-apiserver): fields not in the schema are pruned, or rejected
// with 400 "strict decoding error" under fieldValidation=Strict, unless
// x-kubernetes-preserve-unknown-fields; type, required, enum, pattern, bounds → 422 Invalid
// with messages shaped like kube-openapi's ("spec.replicas in body must be of type integer").

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  format?: string;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  anyOf?: Schema[];
  allOf?: Schema[];
  oneOf?: Schema[];
}

interface Ctx {
  causes: StatusCause[];
  unknown: string[];
  prune: boolean;
}

const join = (path: string, key: string | number): string => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return v !== null && typeof v === "object" && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
}

const show = (v: unknown): string => (typeof v === "string" ? `"${v}"` : JSON.stringify(v));
const jsType = (v: unknown): string => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v);

function check(s: Schema, v: unknown, path: string, ctx: Ctx): void {
  const invalid = (msg: string): void => {
    ctx.causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${show(v)}: ${msg}`, field: path });
  };
  if (v === null) {
    if (!s.nullable) invalid(`${path} in body must be of type ${s.type ?? "object"}: "null"`);
    return;
  }
  if (s["x-kubernetes-int-or-string"]) {
    if (typeof v !== "string" && !(typeof v === "number" && Number.isInteger(v))) invalid(`${path} in body must be of type integer,string: "${jsType(v)}"`);
    return;
  }
  if (s.type && !typeOk(s.type, v)) {
    ctx.causes.push({ reason: "FieldValueTypeInvalid", message: `Invalid value: "${jsType(v)}": ${path} in body must be of type ${s.type}: "${jsType(v)}"`, field: path });
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    ctx.causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${show(v)}: supported values: ${s.enum.map(show).join(", ")}`, field: path });
  }
  if (typeof v === "string") {
    if (s.pattern && !new RegExp(s.pattern, "u").test(v)) invalid(`${path} in body should match '${s.pattern}'`);
    if (s.minLength !== undefined && v.length < s.minLength) invalid(`${path} in body should be at least ${s.minLength} chars long`);
    if (s.maxLength !== undefined && v.length > s.maxLength) ctx.causes.push({ reason: "FieldValueTooLong", message: `Too long: may not be more than ${s.maxLength} bytes`, field: path });
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) invalid(`${path} in body should be greater than or equal to ${s.minimum}`);
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) invalid(`${path} in body should be less than or equal to ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) invalid(`${path} in body should have at least ${s.minItems} items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) ctx.causes.push({ reason: "FieldValueTooMany", message: `Too many: ${v.length}: must have at most ${s.maxItems} items`, field: path });
    if (s.items) v.forEach((x, i) => check(s.items!, x, join(path, i), ctx));
    return;
  }
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (o[r] === undefined) ctx.causes.push({ reason: "FieldValueRequired", message: "Required value", field: join(path, r) });
    const n = Object.keys(o).length;
    if (s.minProperties !== undefined && n < s.minProperties) invalid(`${path} in body should have at least ${s.minProperties} properties`);
    if (s.maxProperties !== undefined && n > s.maxProperties) invalid(`${path} in body should have at most ${s.maxProperties} properties`);
    for (const [k, x] of Object.entries(o)) {
      const sub = s.properties?.[k] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
      if (sub) check(sub, x, join(path, k), ctx);
      else if (!s.properties && s.additionalProperties === undefined && !s.type) continue;
      else if (s.additionalProperties === true || s["x-kubernetes-preserve-unknown-fields"] || s["x-kubernetes-embedded-resource"] && ["apiVersion", "kind", "metadata"].includes(k)) continue;
      else {
        ctx.unknown.push(join(path, k));
        if (ctx.prune) delete o[k];
      }
    }
  }
}

/** Validates a custom resource; throws 400 on unknown fields under Strict, returns 422 causes. */
export function validateCustom(t: ResourceType, o: KubeObject, schema: Schema | undefined, strict: boolean, warnings: string[]): StatusCause[] {
  if (!schema) return [];
  const ctx: Ctx = { causes: [], unknown: [], prune: !strict };
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
  const top: Schema = { ...schema, properties: { ...schema.properties } };
  delete top.properties!.apiVersion;
  delete top.properties!.kind;
  delete top.properties!.metadata;
  const required = (schema.required ?? []).filter((r) => !["apiVersion", "kind", "metadata"].includes(r));
  check({ ...top, required }, rest, "", ctx);
  if (ctx.unknown.length > 0) {
    if (strict) {
      throw new ApiError(400, "BadRequest", `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: strict decoding error: ${ctx.unknown.map((u) => `unknown field "${u}"`).join(", ")}`);
    }
    for (const u of ctx.unknown) warnings.push(`unknown field "${u}"`);
    // Pruning happened on the copy without metadata; write the pruned fields back.
    for (const [k, v] of Object.entries(rest)) o[k] = v;
    for (const k of Object.keys(o)) if (!["apiVersion", "kind", "metadata"].includes(k) && !(k in rest)) delete o[k];
  }
  return ctx.causes;
}
