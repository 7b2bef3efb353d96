import { randomBytes } from "node:crypto";
import type { KubeApi } from "./api.ts";
import type { KubeObject } from "./types.ts";

// core/v1 Events as the kubelet and controllers record them (reason, message, type,
// source), with repeats folded into one Event whose count and lastTimestamp move.

export type EventRecorder = (involved: KubeObject, type: "Normal" | "Warning", reason: string, message: string, component: string) => void;

/** A recorder writing Events through `api`; a no-op when `enabled` is false. */
export function createEventRecorder(api: KubeApi, enabled: boolean): EventRecorder {
  const seen = new Map<string, string>();
  return (involved, type, reason, message, component) => {
    if (!enabled) return;
    const ns = involved.metadata.namespace ?? "default";
    const eventType = api.registry.builtin("Event");
    const key = `${involved.metadata.uid}|${reason}|${message}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    try {
      const existing = seen.get(key);
      if (existing && api.mutate(eventType, ns, existing, (e) => {
        e.count = (typeof e.count === "number" ? e.count : 1) + 1;
        e.lastTimestamp = now;
      })) return;
      const name = `${involved.metadata.name}.${randomBytes(8).toString("hex")}`;
      api.create(eventType, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace: ns } as KubeObject["metadata"],
        involvedObject: {
          kind: involved.kind,
          namespace: involved.metadata.namespace,
          name: involved.metadata.name,
          uid: involved.metadata.uid,
          apiVersion: involved.apiVersion,
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: component,
        reportingInstance: "",
      }, ns, { fieldManager: component });
      seen.set(key, name);
      if (seen.size > 50_000) seen.clear();
    } catch {
      // The namespace is going away or the event raced a delete: events are best effort.
    }
  };
}
