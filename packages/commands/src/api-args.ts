import { UsageError } from "@qs/core";
import type { ApiInput } from "./command.ts";

/**
 * Helpers that turn API request bodies into verb arguments. Positionals go after `--`
 * so a value such as "--confirm" in a body can never be taken for a flag.
 */
export function argv(positionals: readonly string[], flags: readonly string[] = []): string[] {
  return [...flags, "--", ...positionals];
}

/** A required string body field. */
export function bodyString(input: ApiInput, field: string): string {
  const value = input.body[field];
  if (typeof value !== "string") throw new UsageError(`body field "${field}" must be a string`);
  return value;
}

/** An optional string body field. */
export function optionalString(input: ApiInput, field: string): string | undefined {
  const value = input.body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new UsageError(`body field "${field}" must be a string`);
  return value;
}

/** An optional boolean body field (default false). */
export function bodyBoolean(input: ApiInput, field: string): boolean {
  const value = input.body[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new UsageError(`body field "${field}" must be true or false`);
  return value;
}

/** A required array-of-strings body field. */
export function bodyStrings(input: ApiInput, field: string): string[] {
  const value = input.body[field];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new UsageError(`body field "${field}" must be an array of strings`);
  }
  return value;
}

/** A required object-of-strings body field (`{"KEY": "value"}`). */
export function bodyStringMap(input: ApiInput, field: string): Record<string, string> {
  const value = input.body[field];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`body field "${field}" must be an object of strings`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== "string") throw new UsageError(`body field "${field}.${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

/** A `--name value` pair when the value is present. */
export function flag(name: string, value: string | undefined): string[] {
  return value === undefined ? [] : [`--${name}`, value];
}

/** The path parameter `app`. */
export function appParam(input: ApiInput): string {
  return input.params.app ?? "";
}
