import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReleaseManager, appNamespace, silentLogger } from "@qs/core";
import {
  type KubeApis,
  type Reconciler,
  createAppStore,
  createClusterOps,
  createKubeApis,
  createReconciler,
  createReleaseManager,
  installCrds,
  loadKubeConnection,
  acmeOrdersCheck,
  metricsCheck,
  nodesCheck,
  readStatsSummaries,
  volumesCheck,
} from "@qs/kube";
import { podMetrics } from "../../../packages/kube/src/ops/metrics.ts";
import { autoscalerTable } from "../../../packages/commands/src/apps/ps.ts";
import { captureOutput, eventually as poll } from "../../e2e/deploy/harness.ts";
import { imageName } from "../src/images.ts";
import { installMetricsServer } from "./install.ts";

// Autoscaling and doctor on the local real cluster with metrics-server (installed here if
// cluster up has not): a real HPA reads real CPU use of busybox pods, scales out within
// its bounds while they are loaded and back in when the load stops; doctor reports the
// node Ready and the metrics API answering.

const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
let apis: KubeApis;
let reconciler: Reconciler;
let releases: ReleaseManager;
let apps: ReturnType<typeof createAppStore>;
const created: string[] = [];
const signal = new AbortController().signal;

/** Polls every 2 s (the HPA syncs every 15 s; no need to hammer the API server). */
const eventually = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> => poll(probe, what, timeoutMs, 2_000);

beforeAll(async () => {
  await installMetricsServer(kubeconfig);
  apis = createKubeApis(loadKubeConnection(kubeconfig));
  await installCrds(apis);
  // A 15 s scale-down window instead of the product's 60 s keeps the scale-in wait short.
  const render = { baseDomain: "qs.test", progressDeadlineSeconds: 60, scaleDownStabilizationSeconds: 15 };
  reconciler = createReconciler({ apis, logger: silentLogger, options: { resyncIntervalMs: 5_000, watchRestartDelayMs: 500, retryDelayMs: 500, render, owns: (a) => a.startsWith("as-") } });
  await reconciler.start();
  apps = createAppStore(apis);
  releases = createReleaseManager({ apis, logger: silentLogger, options: { render, pollMs: 500, rolloutTimeoutMs: 120_000, releasePhaseTimeoutMs: 60_000 } });
}, 240_000);
afterAll(async () => {
  await Promise.allSettled(created.map((name) => apps.destroy(name)));
  await reconciler.close();
  apis.rest.close();
});

describe("doctor on the real cluster", () => {
  it("reports the node Ready and the metrics API answering", async () => {
    const nodes = await nodesCheck(apis).run(signal);
    expect(nodes).toMatchObject({ status: "ok", finding: expect.stringMatching(/^1 node Ready \(qs-node\)$/) });
    expect(await metricsCheck(apis).run(signal)).toMatchObject({ status: "ok", finding: "metrics-server reports 1 node" });
  });

  it("reads the real kubelet's stats through the node proxy: the node's disk, and local-path claims unmeasured", async () => {
    const read = await readStatsSummaries(apis, signal);
    expect("summaries" in read).toBe(true);
    const summaries = "summaries" in read ? read.summaries : [];
    expect(summaries.map((s) => s.node.nodeName)).toEqual(["qs-node"]);
    expect(summaries[0]?.node.fs?.capacityBytes).toBeGreaterThan(0);
    // local-path volumes are hostPath folders: the kubelet reports none of them with a pvcRef.
    expect(summaries.flatMap((s) => s.pods ?? []).flatMap((p) => p.volume ?? []).filter((v) => v.pvcRef !== undefined)).toEqual([]);
    const volumes = await volumesCheck(apis).run(signal);
    // Other suites fill the machine's disk at their own pace: the check names it either way.
    expect(volumes.finding).toMatch(/node disks: qs-node \d+%$|^node qs-node's disk is \d+% full/);
    // No cert-manager here, or no orders: nothing to report.
    expect(await acmeOrdersCheck(apis).run(signal)).toMatchObject({ status: "ok" });
  });
});

describe("autoscaling on the real cluster", () => {
  it("scales a loaded web process out within its bounds and back in when the load stops", async () => {
    const name = `as-${randomUUID().slice(0, 8)}`;
    const ns = appNamespace(name);
    await apps.create(name, "alice");
    created.push(name);
    // A tiny CPU request so a light load (a shell forking sleep ten times a second for its
    // first 45 s: a few tens of millicores) is far above target without hogging the machine.
    await apps.update(name, (s) => ({ ...s, processes: { web: { replicas: 1, cpu: "5m", memory: "32Mi", autoscale: { min: 1, max: 3, cpuPercent: 100 } } } }));
    const web = "(i=0; while [ $i -lt 450 ]; do sleep 0.1; i=$((i+1)); done) & mkdir -p /tmp/www && echo ok > /tmp/www/index.html && exec httpd -f -p $PORT -h /tmp/www";
    const output = captureOutput();
    await releases.deploy({ app: name, image: imageName("library/busybox:1.35"), gitSha: "abc1234abc1234", processes: { web }, author: "alice", description: "Deploy busybox" }, output, signal);

    // metrics-server sees the pod's CPU (what kubectl top pod shows).
    const usage = await eventually(async () => {
      const m = (await podMetrics(apis.rest, ns)).items[0];
      return m?.containers[0]?.usage.cpu === undefined ? undefined : m;
    }, "pod metrics", 120_000);
    expect(usage.metadata.name).toMatch(new RegExp(`^${name}-web-`));

    // The HPA reads it and scales out, never past max.
    const out = await eventually(async () => {
      const hpa = await apis.horizontalPodAutoscalers.read(ns, `${name}-web`);
      return (hpa.status?.desiredReplicas ?? 0) > 1 ? hpa : undefined;
    }, "scale out", 180_000);
    expect(out.status?.currentMetrics?.[0]?.resource?.current.averageUtilization).toBeGreaterThan(100);
    expect(out.status?.desiredReplicas).toBeLessThanOrEqual(3);
    const scaled = await eventually(async () => {
      const d = await apis.deployments.read(ns, `${name}-web`);
      return (d.spec?.replicas ?? 0) > 1 ? d : undefined;
    }, "deployment scaled", 60_000);
    expect(scaled.spec?.replicas).toBeLessThanOrEqual(3);

    const [state] = await createClusterOps({ apis }).autoscalers!(name);
    expect(state).toMatchObject({ process: "web", min: 1, max: 3 });
    expect(state?.lastScaleReason).toMatch(/New size: [23]; reason: cpu resource utilization \(percentage of request\) above target/);
    expect(autoscalerTable([state!], Date.now())).toContain("above target");

    // The load stops after 45 s per pod; after the 15 s scale-down window it comes back in.
    const back = await eventually(async () => {
      const hpa = await apis.horizontalPodAutoscalers.read(ns, `${name}-web`);
      return hpa.status?.desiredReplicas === 1 && hpa.status.currentReplicas === 1 ? hpa : undefined;
    }, "scale in", 300_000);
    expect(back.status?.desiredReplicas).toBe(1);
    const [after] = await createClusterOps({ apis }).autoscalers!(name);
    expect(after?.lastScaleReason).toMatch(/New size: 1; reason: All metrics below target/);
  }, 720_000);
});
