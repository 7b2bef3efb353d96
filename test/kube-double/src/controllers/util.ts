import type { KubeObject, OwnerReference } from "../types.ts";

// Helpers shared by the simulated controllers.

const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/** FNV-1a 32-bit hash. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** pod-template-hash as the Deployment controller computes it (FNV over the template, safe-encoded). */
export function templateHash(template: unknown, collisionCount = 0): string {
  const digits = String(fnv32a(stable(template) + (collisionCount ? String(collisionCount) : "")));
  return [...digits].map((d) => safeAlphabet[d.charCodeAt(0) % safeAlphabet.length]).join("").slice(0, 10);
}

/** Resolves an int-or-percent (maxSurge, maxUnavailable) against `total`. */
export function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.endsWith("%")) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return Number(v ?? 0) || 0;
}

/** A controller ownerReference to `owner`. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** True when `o` is controlled by the object with `uid`. */
export function controlledBy(o: KubeObject, uid: string): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.controller === true);
}

/** The controller ownerReference of `o`, if any. */
export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** A pod object from a template, owned by `owner`. */
export function podFromTemplate(template: PodTemplate, owner: KubeObject, generateName: string, extraLabels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName,
      namespace: owner.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...extraLabels },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(owner)],
    } as KubeObject["metadata"],
    spec: structuredClone(template.spec ?? {}),
  };
}

export const isoNow = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export interface PodStatusView {
  phase?: string;
  conditions?: { type: string; status: string }[];
  containerStatuses?: { restartCount?: number }[];
}

/** Pod phase. */
export const phaseOf = (p: KubeObject): string => (p.status as PodStatusView | undefined)?.phase ?? "Pending";

/** Ready condition True. */
export const isReady = (p: KubeObject): boolean =>
  !p.metadata.deletionTimestamp && ((p.status as PodStatusView | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Not terminating and not finished. */
export const isActive = (p: KubeObject): boolean => !p.metadata.deletionTimestamp && phaseOf(p) !== "Succeeded" && phaseOf(p) !== "Failed";
