import { ValidationError } from "./errors.ts";

/** DNS-1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes limits names and label values to 63 bytes (DNS-1123 label, RFC 1123). */
export const MAX_KUBE_LABEL = 63;

/** App names are at most 30 characters so that `<app>-<process>-<hash>` fits in 63. */
export const MAX_APP_NAME = 30;

/** Names we keep for ourselves or that would collide with system namespaces and routes. */
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set([
  "qs",
  "quickstack",
  "qs-system",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "default",
  "api",
  "git",
  "www",
  "admin",
  "login",
  "logout",
  "static",
  "assets",
  "healthz",
  "readyz",
  "registry",
  "cert-manager",
  "longhorn-system",
  "traefik",
]);

/** True when `value` is a DNS-1123 label of at most `max` characters. */
export function isDns1123Label(value: string, max = MAX_KUBE_LABEL): boolean {
  return value.length > 0 && value.length <= max && DNS1123_LABEL.test(value);
}

/** Validates an app name and returns it; throws ValidationError saying what is wrong. */
export function parseAppName(input: string): string {
  if (input.length === 0) throw new ValidationError("INVALID_APP_NAME", "app name is empty");
  if (input.length > MAX_APP_NAME) {
    throw new ValidationError(
      "INVALID_APP_NAME",
      `app name "${truncate(input)}" is ${input.length} characters; the limit is ${MAX_APP_NAME}`,
    );
  }
  if (!isDns1123Label(input, MAX_APP_NAME)) {
    throw new ValidationError("INVALID_APP_NAME", `app name "${truncate(input)}" is not valid`, {
      hint: "use lower-case letters, digits and '-', starting and ending with a letter or digit",
    });
  }
  if (RESERVED_APP_NAMES.has(input)) {
    throw new ValidationError("INVALID_APP_NAME", `app name "${input}" is reserved`, {
      hint: "choose another name",
    });
  }
  return input;
}

/** The Kubernetes namespace of an app. */
export function appNamespace(app: string): string {
  return `qs-app-${app}`;
}

/**
 * A Kubernetes object name from parts, joined with '-', kept to 63 characters. When it
 * would be longer, the tail is replaced by a short stable hash so names stay unique.
 */
export function kubeName(...parts: readonly string[]): string {
  const joined = parts.filter((p) => p.length > 0).join("-");
  if (joined.length <= MAX_KUBE_LABEL) return joined;
  const hash = fnv1a(joined).toString(36).padStart(7, "0").slice(0, 7);
  return `${joined.slice(0, MAX_KUBE_LABEL - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** A short stable hash (FNV-1a, base 36) for names that must stay unique when shortened. */
export function shortHash(value: string, length = 7): string {
  return fnv1a(value).toString(36).padStart(length, "0").slice(0, length);
}

function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
