import { describe, expect, it } from "vitest";
import { mergeForReplace } from "../reconciler/apply.ts";
import { renderApp } from "./app.ts";
import { buildHorizontalPodAutoscaler } from "./autoscaler.ts";
import { buildDeployment } from "./deployment.ts";
import { sampleInput, sampleRelease } from "./testing.ts";

const autoscaled = { web: { replicas: 2, autoscale: { min: 1, max: 5, cpuPercent: 70 } }, worker: { replicas: 1 } };

describe("buildHorizontalPodAutoscaler", () => {
  it("targets the process's Deployment with the bounds and a CPU utilization target", () => {
    const hpa = buildHorizontalPodAutoscaler(sampleInput(), "web", { min: 1, max: 5, cpuPercent: 70 });
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(hpa.metadata).toMatchObject({ name: "shop-web", namespace: "qs-app-shop" });
    expect(hpa.metadata?.labels).toMatchObject({ "quickstack.dev/app": "shop", "quickstack.dev/process": "web" });
    expect(hpa.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "App", name: "shop", uid: "uid-1" });
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "shop-web" },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    });
  });

  it("adds a memory target next to CPU", () => {
    const hpa = buildHorizontalPodAutoscaler(sampleInput(), "worker", { min: 2, max: 3, cpuPercent: 50, memoryPercent: 80 });
    expect(hpa.spec?.scaleTargetRef.name).toBe("shop-worker");
    expect(hpa.spec?.metrics?.map((m) => [m.resource?.name, m.resource?.target.averageUtilization])).toEqual([
      ["cpu", 50],
      ["memory", 80],
    ]);
  });
});

describe("rendering an autoscaled process", () => {
  it("renders an HPA only for autoscaled types, and none once autoscaling is off", () => {
    const on = renderApp(sampleInput({ processes: autoscaled }));
    expect(on.filter((o) => o.kind === "HorizontalPodAutoscaler").map((o) => o.metadata?.name)).toEqual(["shop-web"]);
    const off = renderApp(sampleInput({ processes: { web: { replicas: 2 }, worker: { replicas: 1 } } }));
    expect(off.some((o) => o.kind === "HorizontalPodAutoscaler")).toBe(false);
  });

  it("leaves replicas out of the Deployment, and a replace keeps the count the HPA set", () => {
    const d = buildDeployment(sampleInput({ processes: autoscaled }), sampleRelease(), "web");
    expect(d.spec?.replicas).toBeUndefined();
    const live = { ...d, metadata: { ...d.metadata, resourceVersion: "7" }, spec: { ...d.spec!, replicas: 4 } };
    const merged = mergeForReplace("Deployment", d, live) as typeof d;
    expect(merged.spec?.replicas).toBe(4);
    expect(merged.metadata?.resourceVersion).toBe("7");
    // Not autoscaled: the rendered count wins, as before.
    const manual = buildDeployment(sampleInput(), sampleRelease(), "web");
    expect((mergeForReplace("Deployment", manual, live) as typeof d).spec?.replicas).toBe(2);
  });
});
