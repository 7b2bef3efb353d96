import type { StatusCause } from "../status.ts";
import type { KubeObject, ResourceType } from "../types.ts";

// Name and label checks of apimachinery/pkg/util/validation, with the real messages.

const subdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Re = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const qualifiedNameMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const invalidValue = (field: string, value: string, msg: string): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: "${value}": ${msg}`,
  field,
});

/** Checks a name against the rule the real server uses for the kind. */
export type NameRule = "subdomain" | "label" | "dns1035" | "path" | "none";

/** The name rule of a kind (ValidateObjectMeta's nameFn per registry strategy). */
export function nameRuleOf(t: ResourceType): NameRule {
  if (t.crd) return "subdomain";
  switch (t.kind) {
    case "Namespace":
      return "label";
    case "Service":
      return "dns1035";
    case "Role":
    case "ClusterRole":
    case "RoleBinding":
    case "ClusterRoleBinding":
      return "path";
    case "Event":
      return "none";
    default:
      return "subdomain";
  }
}

/** Causes for a bad name under `rule` (empty when valid). */
export function checkName(field: string, name: string, rule: NameRule): StatusCause[] {
  switch (rule) {
    case "none":
      return [];
    case "path":
      if (name === "." || name === "..") return [invalidValue(field, name, `may not be '${name}'`)];
      if (/[/%]/.test(name)) return [invalidValue(field, name, `may not contain '${name.includes("/") ? "/" : "%"}'`)];
      return [];
    case "subdomain": {
      const out: StatusCause[] = [];
      if (name.length > 253) out.push(invalidValue(field, name, "must be no more than 253 characters"));
      if (!subdomainRe.test(name)) out.push(invalidValue(field, name, subdomainMsg));
      return out;
    }
    case "label":
    case "dns1035": {
      const out: StatusCause[] = [];
      if (name.length > 63) out.push(invalidValue(field, name, "must be no more than 63 characters"));
      const ok = rule === "label" ? labelRe.test(name) : dns1035Re.test(name);
      if (!ok) out.push(invalidValue(field, name, rule === "label" ? labelMsg : dns1035Msg));
      return out;
    }
  }
}

function checkQualifiedKey(field: string, key: string): StatusCause[] {
  const parts = key.split("/");
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  const out: StatusCause[] = [];
  if (parts.length > 2) out.push(invalidValue(field, key, `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`));
  else {
    if (parts.length === 2 && !subdomainRe.test(parts[0]!)) out.push(invalidValue(field, key, `prefix part ${subdomainMsg}`));
    if (name.length > 63) out.push(invalidValue(field, key, "name part must be no more than 63 characters"));
    if (!qualifiedNameRe.test(name)) out.push(invalidValue(field, key, qualifiedNameMsg));
  }
  return out;
}

/** Label keys/values and annotation keys of metadata at `prefix` ("metadata", "spec.template.metadata"). */
export function checkMeta(prefix: string, meta: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(meta?.labels ?? {})) {
    out.push(...checkQualifiedKey(`${prefix}.labels`, k));
    if (typeof v === "string") {
      if (v.length > 63) out.push(invalidValue(`${prefix}.labels`, v, "must be no more than 63 characters"));
      if (!labelValueRe.test(v)) out.push(invalidValue(`${prefix}.labels`, v, labelValueMsg));
    }
  }
  for (const k of Object.keys(meta?.annotations ?? {})) out.push(...checkQualifiedKey(`${prefix}.annotations`, k.toLowerCase()));
  const size = Object.entries(meta?.annotations ?? {}).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  if (size > 256 * 1024) out.push({ reason: "FieldValueTooLong", message: `Too long: may not be more than 262144 bytes`, field: `${prefix}.annotations` });
  return out;
}

/** DNS-1123 label check of container (and init container) names in a pod spec. */
export function checkContainerNames(prefix: string, spec: { containers?: { name?: unknown }[]; initContainers?: { name?: unknown }[] } | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  for (const field of ["initContainers", "containers"] as const) {
    (spec?.[field] ?? []).forEach((c, i) => {
      if (typeof c.name !== "string") return;
      const path = `${prefix}.${field}[${i}].name`;
      out.push(...checkName(path, c.name, "label"));
      if (seen.has(c.name)) out.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${c.name}"`, field: path });
      seen.add(c.name);
    });
  }
  return out;
}

/** Name-shaped checks for any object. */
export function checkObjectNames(t: ResourceType, o: KubeObject): StatusCause[] {
  const out = [...checkName("metadata.name", o.metadata.name, nameRuleOf(t)), ...checkMeta("metadata", o.metadata)];
  if (t.namespaced && o.metadata.namespace) out.push(...checkName("metadata.namespace", o.metadata.namespace, "label"));
  return out;
}
