/**
 * A small JSON Schema checker for the keywords templates/schema.json uses: type, enum,
 * const, required, properties, additionalProperties, items, minItems, maxItems,
 * minLength, maxLength, pattern, minimum, maximum, oneOf. A keyword it does not know is an
 * error in the schema (so the schema can never say more than is checked).
 */

/** The subset of JSON Schema (draft 2020-12) this checker understands. */
export interface Schema {
  readonly $schema?: string;
  readonly $id?: string;
  readonly title?: string;
  readonly description?: string;
  readonly type?: "object" | "array" | "string" | "integer" | "boolean";
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly oneOf?: readonly Schema[];
}

const KNOWN = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "enum",
  "const",
  "required",
  "properties",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "oneOf",
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function typeOk(type: NonNullable<Schema["type"]>, value: unknown): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
  }
}

/** Problems of `value` against `schema`, each `path: what is wrong`; empty = valid. */
export function checkSchema(schema: Schema, value: unknown, path = "$"): string[] {
  for (const key of Object.keys(schema)) {
    if (!KNOWN.has(key)) throw new Error(`schema at ${path} uses "${key}", which the template checker does not implement`);
  }
  const errors: string[] = [];
  if (schema.oneOf !== undefined) {
    const passing = schema.oneOf.filter((s) => checkSchema(s, value, path).length === 0).length;
    if (passing !== 1) {
      // The nearest alternative's own errors say most about what to fix.
      const nearest = schema.oneOf.map((s) => checkSchema(s, value, path)).sort((a, b) => a.length - b.length)[0] ?? [];
      errors.push(passing === 0 ? (nearest[0] ?? `${path}: matches none of the allowed forms`) : `${path}: matches more than one allowed form`);
    }
  }
  if (schema.type !== undefined && !typeOk(schema.type, value)) return [...errors, `${path}: must be ${schema.type === "integer" ? "an integer" : `a${schema.type === "object" || schema.type === "array" ? "n" : ""} ${schema.type}`}`];
  if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.includes(value)) errors.push(`${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: less than ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: more than ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) value.forEach((item, i) => errors.push(...checkSchema(schema.items as Schema, item, `${path}[${i}]`)));
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${path}: "${key}" is required`);
    for (const [key, item] of Object.entries(value)) {
      const own = schema.properties?.[key];
      if (own !== undefined) errors.push(...checkSchema(own, item, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: "${key}" is not a template field`);
      else if (isObject(schema.additionalProperties)) errors.push(...checkSchema(schema.additionalProperties, item, `${path}.${key}`));
    }
  }
  return errors;
}
