import { describe, expect, it } from "vitest";
import { type AppObject, normaliseSpec, toApp } from "./app-object.ts";
import { newReleaseObject, nextReleaseNumber, toRelease } from "./release-object.ts";

describe("App object", () => {
  it("fills missing spec fields and maps status and version", () => {
    const obj = {
      apiVersion: "quickstack.dev/v1alpha1",
      kind: "App",
      metadata: { name: "shop", namespace: "qs-app-shop", resourceVersion: "42", creationTimestamp: "2026-01-01T00:00:00Z" },
      spec: { processes: { web: { replicas: 2 } } },
      status: { conditions: [], currentRelease: 3, observedGeneration: 4 },
    } as unknown as AppObject;
    const app = toApp(obj);
    expect(app.spec).toEqual({ ...normaliseSpec(undefined), processes: { web: { replicas: 2 } } });
    expect(app.status).toEqual({ conditions: [], currentRelease: 3, observedGeneration: 4 });
    expect(app.version).toBe("42");
  });
});

describe("Release object", () => {
  it("numbers after the highest existing release", () => {
    expect(nextReleaseNumber([])).toBe(1);
    expect(nextReleaseNumber([3, 1, 7])).toBe(8);
  });

  it("is named <app>-v<N>, owned by the App, and round-trips", () => {
    const spec = { app: "shop", number: 2, image: "i", configHash: "h", processes: {}, author: "a", description: "d", createdAt: "t" };
    const obj = newReleaseObject(spec, "qs-app-shop", "uid-1");
    expect(obj.metadata.name).toBe("shop-v2");
    expect(obj.metadata.ownerReferences?.[0]).toMatchObject({ kind: "App", uid: "uid-1" });
    expect(toRelease({ ...obj, status: { releasePhase: "Succeeded" } })).toEqual({ ...spec, releasePhase: "Succeeded" });
  });
});
