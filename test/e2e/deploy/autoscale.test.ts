import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "@qs/core";
import { createClusterOps, createReleaseStore, retryOnConflict } from "@qs/kube";
import { autoscalerTable } from "../../../packages/commands/src/apps/ps.ts";
import { type DeployHarness, eventually, startDeployHarness } from "./harness.ts";

// Autoscaling through the reconciler on the API double: apps:autoscale's spec renders an
// HPA, the count the HPA sets survives a new release, --off prunes it, and apps:ps reads
// the HPA's current/desired replicas and its last SuccessfulRescale reason.

let h: DeployHarness;
beforeAll(async () => {
  h = await startDeployHarness();
});
afterAll(async () => {
  await h.close();
});

async function release(name: string, description: string): Promise<void> {
  const obj = (await h.apis.custom("quickstack.dev/v1alpha1", "apps").read(appNamespace(name), name)) as { metadata: { uid: string } };
  const r = await createReleaseStore(h.apis).create(name, obj.metadata.uid, { image: "img@sha256:1", processes: { web: "a" }, author: "a", description }, {});
  await h.apps.update(name, (s) => ({ ...s, release: r.number }));
}

describe("autoscaling", () => {
  it("renders an HPA, keeps the count it set across releases, prunes it when off; apps:ps shows what it did", async () => {
    const name = h.appName("hpa");
    const ns = appNamespace(name);
    await h.apps.create(name, "alice");
    await h.apps.update(name, (s) => ({ ...s, processes: { web: { replicas: 1, autoscale: { min: 1, max: 5, cpuPercent: 70 } } } }));
    await release(name, "first");
    const hpa = await eventually(() => h.apis.horizontalPodAutoscalers.read(ns, `${name}-web`), "hpa");
    expect(hpa.spec).toMatchObject({ minReplicas: 1, maxReplicas: 5, scaleTargetRef: { kind: "Deployment", name: `${name}-web` } });

    // What the HPA controller does: scale the Deployment and report it (read-modify-write,
    // as a controller does: the Deployment's status moves meanwhile).
    await eventually(() => h.apis.deployments.read(ns, `${name}-web`), "deployment");
    await retryOnConflict("scale", async () => {
      const d = await h.apis.deployments.read(ns, `${name}-web`);
      return h.apis.deployments.replace(ns, `${name}-web`, { ...d, spec: { ...d.spec!, replicas: 3 } });
    });
    await retryOnConflict("hpa status", async () => {
      const current = await h.apis.horizontalPodAutoscalers.read(ns, `${name}-web`);
      return h.apis.horizontalPodAutoscalers.replaceStatus(ns, `${name}-web`, {
        ...current,
        status: {
          currentReplicas: 3,
          desiredReplicas: 3,
          lastScaleTime: new Date(Date.now() - 120_000).toISOString(),
          currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 91 } } }],
          conditions: [{ type: "AbleToScale", status: "True", reason: "ReadyForNewScale" }],
        },
      });
    });
    await h.apis.rest.json("POST", `/api/v1/namespaces/${ns}/events`, {
      body: {
        metadata: { name: `${name}-web.rescale`, namespace: ns },
        involvedObject: { kind: "HorizontalPodAutoscaler", name: `${name}-web`, namespace: ns },
        reason: "SuccessfulRescale",
        message: "New size: 3; reason: cpu resource utilization (percentage of request) above target",
        type: "Normal",
        lastTimestamp: new Date(Date.now() - 120_000).toISOString(),
      },
    });

    // A new release re-renders the Deployment: the HPA's count stays.
    await release(name, "second");
    await eventually(async () => (await h.apis.deployments.read(ns, `${name}-web`)).spec?.template.metadata?.annotations?.["quickstack.dev/release"] === "2", "second release rendered");
    expect((await h.apis.deployments.read(ns, `${name}-web`)).spec?.replicas).toBe(3);

    const [state] = await createClusterOps({ apis: h.apis }).autoscalers!(name);
    expect(state).toMatchObject({ process: "web", min: 1, max: 5, current: 3, desired: 3, targets: ["cpu 91%/70%"], lastScaleReason: expect.stringContaining("New size: 3; reason: cpu resource utilization") });
    const text = autoscalerTable([state!], Date.now());
    expect(text).toMatch(/^Autoscaling:\n/);
    expect(text).toMatch(/web\s+1-5\s+3\/3\s+cpu 91%\/70%\s+2m ago\s+New size: 3; reason: cpu/);

    // --off: the HPA goes, the Deployment gets the rendered count again.
    await h.apps.update(name, (s) => ({ ...s, processes: { web: { replicas: 2 } } }));
    await eventually(async () => (await h.apis.horizontalPodAutoscalers.list(ns)).items.length === 0, "hpa pruned");
    await eventually(async () => (await h.apis.deployments.read(ns, `${name}-web`)).spec?.replicas === 2, "replicas rendered");
    expect(await createClusterOps({ apis: h.apis }).autoscalers!(name)).toEqual([]);
  });
});
