import { badRequest } from "./status.ts";
import type { KubeObject } from "./types.ts";

// Label selectors (apimachinery/pkg/labels grammar: =, ==, !=, in, notin, exists, !exists)
// and field selectors (=, ==, != on a few well-known fields per kind).

type Requirement =
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

/** A compiled selector: true when the object matches. */
export type Matcher = (obj: KubeObject) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth += 1;
    if (ch === ")") depth -= 1;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== "");
}

function parseLabelRequirement(term: string): Requirement {
  let m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) {
    const values = m[3]!.split(",").map((v) => v.trim()).filter((v) => v !== "");
    return { key: m[1]!, op: m[2] as "in" | "notin", values };
  }
  m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(term);
  if (m) {
    const op = m[2] === "!=" ? "notin" : "in";
    return { key: m[1]!, op, values: [m[3]!] };
  }
  m = /^!\s*([^\s!=(),]+)$/.exec(term);
  if (m) return { key: m[1]!, op: "!exists" };
  m = /^([^\s!=(),]+)$/.exec(term);
  if (m) return { key: m[1]!, op: "exists" };
  throw badRequest(`unable to parse requirement: ${term}`);
}

/** Compiles a labelSelector query value. */
export function parseLabelSelector(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = splitTop(selector).map(parseLabelRequirement);
  return (obj) => matchLabels(obj.metadata.labels ?? {}, reqs);
}

function matchLabels(labels: Record<string, string>, reqs: Requirement[]): boolean {
  for (const r of reqs) {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case "exists":
        if (!has) return false;
        break;
      case "!exists":
        if (has) return false;
        break;
      case "in":
        if (!has || !r.values.includes(labels[r.key]!)) return false;
        break;
      case "notin":
        if (has && r.values.includes(labels[r.key]!)) return false;
        break;
    }
  }
  return true;
}

/** True when `labels` satisfy a LabelSelector object (matchLabels + matchExpressions). */
export function matchesLabelSelector(
  labels: Record<string, string> | undefined,
  selector: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  } | undefined,
): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key: k, op: "in", values: [v] });
  for (const e of selector.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === "in" || op === "notin") reqs.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === "exists") reqs.push({ key: e.key, op: "exists" });
    else reqs.push({ key: e.key, op: "!exists" });
  }
  return matchLabels(l, reqs);
}

function fieldValue(obj: KubeObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "string" || typeof cur === "number" || typeof cur === "boolean" ? String(cur) : undefined;
}

// Fields each kind supports in fieldSelector (others → 400 as the real server answers).
const commonFields = new Set(["metadata.name", "metadata.namespace"]);
const kindFields: Record<string, string[]> = {
  Pod: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName", "spec.hostNetwork"],
  Event: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
  Secret: ["type"],
  Namespace: ["status.phase"],
  Node: ["spec.unschedulable"],
  ReplicaSet: ["status.replicas"],
  Job: ["status.successful"],
};

/** Compiles a fieldSelector query value for objects of `kind`. */
export function parseFieldSelector(selector: string | null | undefined, kind: string): Matcher {
  if (!selector) return () => true;
  const terms = splitTop(selector).map((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1]!.trim();
    if (!commonFields.has(field) && !(kindFields[kind] ?? []).includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, neg: m[2] === "!=", value: m[3]!.trim() };
  });
  return (obj) =>
    terms.every((t) => {
      const v = fieldValue(obj, t.field) ?? "";
      return t.neg ? v !== t.value : v === t.value;
    });
}
