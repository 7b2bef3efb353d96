import { ValidationError } from "../errors.ts";

/** RFC 1123 §2.1 host name label: letters, digits, '-', not at either end, ≤ 63 octets. */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1035 §2.3.4: a name is at most 255 octets on the wire, 253 as text. */
const MAX_DOMAIN = 253;

/** Options for parseDomain. */
export interface DomainOptions {
  /** Accept `*.example.com` (only with a DNS-01 issuer). @defaultValue false */
  readonly allowWildcard?: boolean;
}

/**
 * Validates a custom domain (RFC 1123 host name, at least two labels, not an IP address)
 * and returns it lower-cased with any trailing dot removed.
 */
export function parseDomain(input: string, options: DomainOptions = {}): string {
  const bad = (why: string, hint?: string): ValidationError =>
    new ValidationError("INVALID_DOMAIN", `domain ${JSON.stringify(short(input))} ${why}`, {
      hint: hint ?? "give a host name such as shop.example.com",
    });
  if (input.length === 0) throw new ValidationError("INVALID_DOMAIN", "domain is empty");
  let name = input.toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name.length > MAX_DOMAIN) throw bad(`is longer than ${MAX_DOMAIN} characters`);
  const labels = name.split(".");
  let wildcard = false;
  if (labels[0] === "*") {
    if (options.allowWildcard !== true) {
      throw bad("is a wildcard", "wildcard domains need a DNS-01 certificate issuer, which is not configured; add each host name instead");
    }
    wildcard = true;
    labels.shift();
  }
  if (labels.length < 2) throw bad("needs at least two labels", "use a full name such as shop.example.com");
  for (const label of labels) {
    if (label.length === 0) throw bad("has an empty label");
    if (label.length > 63) throw bad("has a label longer than 63 characters");
    if (!LABEL.test(label)) throw bad("is not a valid host name");
  }
  // An all-numeric top-level label would make it an IPv4 address (RFC 1123 §2.1).
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) throw bad("looks like an IP address");
  return wildcard ? `*.${labels.join(".")}` : labels.join(".");
}

function short(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}…` : value;
}
