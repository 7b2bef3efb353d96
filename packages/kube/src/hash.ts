import { createHash } from "node:crypto";

/** JSON with object keys sorted, so equal values always serialise to equal strings. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Hex sha256 of a string. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** sha256 of config vars, independent of insertion order (values never leave this hash). */
export function configHash(vars: Readonly<Record<string, string>>): string {
  return sha256(stableStringify(vars));
}
