import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, type AppStore, appNamespace, defaultAppSpec } from "@qs/core";
import type { KubeDouble } from "../../../../test/kube-double/src/index.ts";
import { eventually } from "../../../../test/kube-double/harness.ts";
import { startDoubleWithApis } from "../../../../test/support/double-apis.ts";
import type { KubeApis } from "../apis.ts";
import type { Node } from "../rest/wire.ts";
import { appsCheck } from "./apps-check.ts";
import { certificatesCheck, judgeCertificates } from "./certificates-check.ts";
import { dnsCheck } from "./dns-check.ts";
import { createDoctor } from "./doctor.ts";
import { metricsCheck } from "./metrics-check.ts";
import { nodesCheck } from "./nodes-check.ts";
import { pingCheck, pinnedImagesCheck, registryCheck } from "./service-checks.ts";
import { judgeVersions, versionCheck } from "./version-check.ts";

// Each doctor check against the Kubernetes API double (or a real local service): first
// healthy, then with the thing it checks broken, showing the finding and the fix.

let double: KubeDouble;
let apis: KubeApis;
let close: () => Promise<void>;
const signal = new AbortController().signal;

beforeAll(async () => {
  ({ double, apis, close } = await startDoubleWithApis({ nodes: 1 }));
});
afterAll(async () => {
  await close();
});

function appsWith(domains: Record<string, string[]>): AppStore {
  const apps: App[] = Object.entries(domains).map(([name, d]) => ({
    name,
    spec: { ...defaultAppSpec(), domains: d },
    status: { conditions: [] },
    version: "1",
    createdAt: "2026-01-01T00:00:00Z",
  }));
  return { list: () => Promise.resolve(apps) } as unknown as AppStore;
}

describe("nodes", () => {
  it("passes with a Ready node and fails naming a NotReady one and how to look at it", async () => {
    expect(await nodesCheck(apis).run(signal)).toMatchObject({ status: "ok", finding: expect.stringMatching(/^1 node Ready/) });
    const [node] = (await apis.nodes.list()).items;
    const name = node?.metadata?.name ?? "";
    const notReady: Node = {
      ...node,
      status: {
        ...node?.status,
        conditions: (node?.status?.conditions ?? []).map((c) =>
          c.type === "Ready" ? { ...c, status: "False", reason: "KubeletNotReady", message: "container runtime is down" } : c,
        ),
      },
    };
    await apis.rest.json("PUT", `/api/v1/nodes/${name}/status`, { body: notReady });
    try {
      const outcome = await nodesCheck(apis).run(signal);
      expect(outcome).toMatchObject({ status: "fail", finding: `node ${name} is NotReady (KubeletNotReady: container runtime is down)` });
      expect(outcome.fix).toContain(`journalctl -u k3s* -n 50`);
    } finally {
      await apis.rest.json("PUT", `/api/v1/nodes/${name}/status`, { body: { ...node, metadata: { ...node?.metadata, resourceVersion: undefined } } });
    }
  });

  it("warns on disk pressure", async () => {
    const [node] = (await apis.nodes.list()).items;
    const pressured: Node = { ...node, status: { ...node?.status, conditions: [...(node?.status?.conditions ?? []).filter((c) => c.type !== "DiskPressure"), { type: "DiskPressure", status: "True" }] } };
    await apis.rest.json("PUT", `/api/v1/nodes/${node?.metadata?.name ?? ""}/status`, { body: pressured });
    try {
      const outcome = await nodesCheck(apis).run(signal);
      expect(outcome).toMatchObject({ status: "warn", finding: expect.stringContaining("reports DiskPressure") });
      expect(outcome.fix).toContain("free disk space");
    } finally {
      await apis.rest.json("PUT", `/api/v1/nodes/${node?.metadata?.name ?? ""}/status`, { body: { ...node, metadata: { ...node?.metadata, resourceVersion: undefined } } });
    }
  });
});

describe("apps", () => {
  it("passes when the app pods run", async () => {
    expect(await appsCheck(apis).run(signal)).toMatchObject({ status: "ok" });
  });

  it("fails on a crash-looping app with the logs command as the fix", async () => {
    const app = `t${randomUUID().slice(0, 8)}`;
    const namespace = appNamespace(app);
    await apis.namespaces.create({ metadata: { name: namespace } });
    double.script(`registry.local/${app}:crash`, { exitAfterMs: 10, exitCode: 1 });
    const labels = { "app.kubernetes.io/managed-by": "quickstack", "quickstack.dev/app": app, "quickstack.dev/process": "web" };
    await apis.deployments.create(namespace, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `${app}-web`, namespace, labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "web", image: `registry.local/${app}:crash` }] } } },
    });
    const outcome = await eventually(async () => {
      const o = await appsCheck(apis).run(signal);
      return o.status === "fail" ? o : undefined;
    });
    expect(outcome.finding).toMatch(new RegExp(`^${app} web is crash-looping \\(\\d+ restarts, CrashLoopBackOff\\)`));
    expect(outcome.fix).toContain(`ssh qs apps:logs ${app} -p web`);
    await apis.namespaces.delete(namespace);
  });

});

describe("certificates", () => {
  const now = Date.parse("2026-06-01T00:00:00Z");
  const cert = (notAfter: string, ready = "True") => ({
    metadata: { name: "shop-example-com", namespace: "qs-app-shop" },
    spec: { dnsNames: ["shop.example.com"] },
    status: { notAfter, conditions: [{ type: "Ready", status: ready, reason: ready === "True" ? "Ready" : "Failed", message: "order failed: 403 urn:acme:error:unauthorized" }] },
  });

  it("says cert-manager is missing when its API is not there", async () => {
    expect(await certificatesCheck(apis).run(signal)).toMatchObject({ status: "warn", finding: expect.stringContaining("cert-manager is not installed") });
  });

  it("passes a valid certificate, warns near expiry, fails close to it and when not issued", () => {
    expect(judgeCertificates([cert("2026-08-01T00:00:00Z")], now)).toMatchObject({ status: "ok" });
    expect(judgeCertificates([cert("2026-06-10T00:00:00Z")], now)).toMatchObject({ status: "warn", finding: "certificate for shop.example.com expires in 9 days and has not renewed" });
    const close = judgeCertificates([cert("2026-06-02T12:00:00Z")], now);
    expect(close).toMatchObject({ status: "fail", finding: "certificate for shop.example.com expires in 1 days" });
    expect(close.fix).toContain("kubectl describe certificate -n qs-app-shop shop-example-com");
    const failed = judgeCertificates([cert("", "False")], now);
    expect(failed).toMatchObject({ status: "fail", finding: expect.stringContaining("is not issued (Failed: order failed: 403") });
    expect(failed.fix).toContain("points at this server");
  });
});

describe("dns", () => {
  const resolve = (answers: Record<string, string[]>) => (name: string) =>
    answers[name] === undefined ? Promise.reject(Object.assign(new Error("no"), { code: "ENOTFOUND" })) : Promise.resolve(answers[name]);

  it("passes a domain on a node and fails one that points elsewhere or nowhere, naming the A record to set", async () => {
    const node = (await apis.nodes.list()).items[0];
    const ip = node?.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
    expect(ip).not.toBe("");
    const apps = appsWith({ shop: ["shop.example.com"] });
    expect(await dnsCheck({ apis, apps, resolve: resolve({ "shop.example.com": [ip] }) }).run(signal)).toMatchObject({ status: "ok", finding: "1 domain point at a node" });
    const elsewhere = await dnsCheck({ apis, apps, resolve: resolve({ "shop.example.com": ["203.0.113.9"] }) }).run(signal);
    expect(elsewhere).toMatchObject({ status: "fail", finding: `shop.example.com (shop) points at 203.0.113.9, not at a node (${ip})` });
    expect(elsewhere.fix).toContain(`change the A record of shop.example.com to ${ip}`);
    const nowhere = await dnsCheck({ apis, apps, resolve: resolve({}) }).run(signal);
    expect(nowhere).toMatchObject({ status: "fail", finding: "shop.example.com (shop) does not resolve (ENOTFOUND)" });
    // A public address the operator configured counts as ours.
    expect(await dnsCheck({ apis, apps, publicAddresses: ["203.0.113.9"], resolve: resolve({ "shop.example.com": ["203.0.113.9"] }) }).run(signal)).toMatchObject({ status: "ok" });
  });
});

describe("registry, Redis, metrics, versions, builder images", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => res.writeHead(req.url === "/v2/" ? 200 : 404).end("{}"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("passes a registry that answers /v2/ and fails a stopped one", async () => {
    expect(await registryCheck(url).run(signal)).toMatchObject({ status: "ok" });
    await new Promise<void>((r) => server.close(() => r()));
    const stopped = await registryCheck(url).run(signal);
    expect(stopped).toMatchObject({ status: "fail", finding: `registry at ${url} does not answer (ECONNREFUSED): pushes cannot build and new pods cannot pull` });
    expect(stopped.fix).toContain("kubectl -n qs-system logs deploy/registry");
    server = createServer();
    server.listen(0, "127.0.0.1");
  });

  it("turns a failing ping into a fail with the fix", async () => {
    const redis = pingCheck("redis", "Redis", () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")), "kubectl -n qs-system rollout restart statefulset/redis");
    expect(await redis.run(signal)).toMatchObject({ status: "fail", finding: "Redis does not answer: connect ECONNREFUSED 127.0.0.1:6379", fix: expect.stringContaining("rollout restart") });
    expect(await pingCheck("redis", "Redis", () => Promise.resolve("PONG"), "x").run(signal)).toMatchObject({ status: "ok" });
  });

  it("reads node metrics from the metrics API", async () => {
    expect(await metricsCheck(apis).run(signal)).toMatchObject({ status: "ok", finding: "metrics-server reports 1 node" });
  });

  it("warns when a node runs an older Kubernetes minor than the supported one", async () => {
    expect(await versionCheck(apis, "v1.30.1+k3s1").run(signal)).toMatchObject({ status: "ok" });
    const old = judgeVersions([{ metadata: { name: "n1" }, status: { nodeInfo: { kubeletVersion: "v1.31.2+k3s1" } } } as Node], "v1.34.4+k3s1");
    expect(old).toMatchObject({ status: "warn", finding: "node n1 runs v1.31.2+k3s1, behind the supported v1.34.4+k3s1", fix: expect.stringContaining("INSTALL_K3S_VERSION=v1.34.4+k3s1") });
  });

  it("warns about a builder image by tag only", async () => {
    const pinned = `gcr.io/kaniko@sha256:${"a".repeat(64)}`;
    expect(await pinnedImagesCheck({ kaniko: pinned }).run(signal)).toMatchObject({ status: "ok" });
    expect(await pinnedImagesCheck({ kaniko: pinned, buildkit: "moby/buildkit:v0.20.0-rootless" }).run(signal)).toMatchObject({
      status: "warn",
      finding: "builder image buildkit is moby/buildkit:v0.20.0-rootless, a tag that can move",
      fix: expect.stringContaining("QS_BUILDKIT_IMAGE"),
    });
  });
});

describe("createDoctor", () => {
  it("runs every check; one that throws or hangs is a fail, not a crash", async () => {
    const doctor = createDoctor({
      timeoutMs: 200,
      checks: [
        nodesCheck(apis),
        { id: "boom", title: "Boom", run: () => Promise.reject(new Error("kaput")) },
        { id: "hang", title: "Hang", run: (s) => new Promise((_, reject) => s.addEventListener("abort", () => reject(new Error("aborted")))) },
      ],
    });
    const results = await doctor.run();
    expect(results.map((r) => [r.id, r.status])).toEqual([["nodes", "ok"], ["boom", "fail"], ["hang", "fail"]]);
    expect(results[1]?.finding).toBe("the check itself failed: kaput");
    expect(results[2]?.finding).toBe("the check did not answer within 0.2 s");
  });
});
