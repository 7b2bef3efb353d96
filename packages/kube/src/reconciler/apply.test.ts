import type { KubeObject } from "../rest/wire.ts";
import { describe, expect, it } from "vitest";
import { mergeForReplace, withSpecHash } from "./apply.ts";

describe("apply helpers", () => {
  it("hashes the rendered object independent of key order", () => {
    const a = withSpecHash<KubeObject>({ kind: "Service", metadata: { name: "x", labels: { a: "1", b: "2" } } });
    const b = withSpecHash<KubeObject>({ metadata: { labels: { b: "2", a: "1" }, name: "x" }, kind: "Service" });
    const c = withSpecHash<KubeObject>({ kind: "Service", metadata: { name: "x", labels: { a: "1", b: "3" } } });
    expect(a.metadata?.annotations?.["quickstack.dev/spec-hash"]).toBe(b.metadata?.annotations?.["quickstack.dev/spec-hash"]);
    expect(a.metadata?.annotations?.["quickstack.dev/spec-hash"]).not.toBe(c.metadata?.annotations?.["quickstack.dev/spec-hash"]);
  });

  it("keeps the live resourceVersion, a Service's clusterIP and a claim's immutable spec", () => {
    const svc = mergeForReplace(
      "Service",
      { kind: "Service", metadata: { name: "s" }, spec: { ports: [] } } as never,
      { kind: "Service", metadata: { name: "s", resourceVersion: "7" }, spec: { clusterIP: "10.43.0.9", clusterIPs: ["10.43.0.9"] } } as never,
    ) as { metadata: { resourceVersion: string }; spec: { clusterIP: string } };
    expect(svc.metadata.resourceVersion).toBe("7");
    expect(svc.spec.clusterIP).toBe("10.43.0.9");
    const pvc = mergeForReplace(
      "PersistentVolumeClaim",
      { kind: "PersistentVolumeClaim", metadata: { name: "p" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } } } as never,
      { kind: "PersistentVolumeClaim", metadata: { name: "p", resourceVersion: "3", uid: "u" }, spec: { volumeName: "pv-1", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } } as never,
    ) as { metadata: { uid: string }; spec: { volumeName: string; resources: unknown } };
    expect(pvc.spec.volumeName).toBe("pv-1");
    expect(pvc.spec.resources).toEqual({ requests: { storage: "2Gi" } });
    expect(pvc.metadata.uid).toBe("u");
  });
});
