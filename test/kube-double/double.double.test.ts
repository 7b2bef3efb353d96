import * as k8s from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { startKubeDouble, type KubeDouble } from "./src/index.ts";
import { connect, eventually, statusOf, type Target } from "./harness.ts";

// Features of the double itself (no real-cluster counterpart): faults on demand, watch
// history expiry, RBAC for ServiceAccount tokens, metrics from scripted usage.

const targets: Target[] = [];
const doubles: KubeDouble[] = [];
afterEach(async () => {
  await Promise.allSettled([...targets.splice(0).map((t) => t.close()), ...doubles.splice(0).map((d) => d.close())]);
});

async function start(options: Parameters<typeof connect>[0] = {}): Promise<Target & { double: KubeDouble }> {
  const t = await connect(options);
  targets.push(t);
  if (!t.double) throw new Error("double.double.test.ts always runs against a double");
  return t as Target & { double: KubeDouble };
}

describe("faults", () => {
  it("answers a share of requests with 500 or 429 Status objects, changeable at run time", async () => {
    const t = await start({ faults: { errorRate: 1 } });
    const err = statusOf(await t.core.listNamespace().catch((e: unknown) => e));
    expect(err).toMatchObject({ code: 500, reason: "InternalError" });
    t.double.setFaults({ throttleRate: 1 });
    const res = await t.raw("GET", "/api/v1/namespaces");
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.json()).toMatchObject({ reason: "TooManyRequests" });
    t.double.setFaults({ errorRate: 1, pathPattern: /\/secrets/ });
    expect((await t.core.listNamespace()).items.length).toBeGreaterThan(0);
    t.double.setFaults({});
    expect((await t.core.listNamespacedSecret({ namespace: "default" })).items).toEqual([]);
  });

  it("drops watches early when asked", async () => {
    const t = await start();
    t.double.setFaults({ dropWatchesAfterMs: 50 });
    const ended = await new Promise<unknown>((resolve) => {
      void new k8s.Watch(t.kc).watch("/api/v1/namespaces", {}, () => undefined, (err) => resolve(err ?? "ended"));
    });
    expect(ended).toBeDefined();
  });
});

describe("watch history", () => {
  it("answers a too-old resourceVersion with an ERROR event carrying 410", async () => {
    const t = await start({ historySize: 5 });
    const first = await t.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "c0" } } });
    for (let i = 1; i < 10; i += 1) await t.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: `c${i}` } } });
    const res = await t.raw("GET", `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${first.metadata!.resourceVersion!}`);
    const event = JSON.parse(res.body.trim().split("\n")[0]!) as { type: string; object: { code: number; reason: string } };
    expect(event.type).toBe("ERROR");
    expect(event.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
  });

  it("closes watches after timeoutSeconds and sends bookmarks when allowed", async () => {
    const t = await start({ watch: { bookmarkIntervalMs: 100 } });
    const res = await t.raw("GET", "/api/v1/namespaces?watch=true&timeoutSeconds=1&allowWatchBookmarks=true&resourceVersion=1");
    const types = res.body.trim().split("\n").map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toContain("BOOKMARK");
  });
});

describe("rbac", () => {
  it("enforces Role/RoleBinding rules for a ServiceAccount token", async () => {
    const t = await start({ rbac: true });
    const ns = await t.namespace();
    const rbac = t.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await t.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "reader" } } });
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: "pods" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }] } });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: { metadata: { name: "pods" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pods" }, subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns }] },
    });
    const kc = new k8s.KubeConfig();
    kc.loadFromString(t.double.kubeconfigFor(t.double.tokenFor(ns, "reader"), ns));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    expect((await core.listNamespacedPod({ namespace: ns })).items).toEqual([]);
    const denied = statusOf(await core.listNamespacedSecret({ namespace: ns }).catch((e: unknown) => e));
    expect(denied).toMatchObject({ code: 403, reason: "Forbidden" });
    expect(denied.message).toBe(`secrets is forbidden: User "system:serviceaccount:${ns}:reader" cannot list resource "secrets" in API group "" in the namespace "${ns}"`);
    const elsewhere = statusOf(await core.listNamespacedPod({ namespace: "default" }).catch((e: unknown) => e));
    expect(elsewhere.code).toBe(403);
    const bad = new k8s.KubeConfig();
    bad.loadFromString(t.double.kubeconfigFor("not-a-token"));
    const unauthorized = await bad.makeApiClient(k8s.CoreV1Api).listNamespace().catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(k8s.ApiException);
    expect((unauthorized as k8s.ApiException<unknown>).code).toBe(401);
  });
});

describe("ingress", () => {
  it("publishes the nodes' addresses in Ingress status, as k3s's load balancer does", async () => {
    const t = await start({ nodes: 2 });
    const ns = await t.namespace();
    const net = t.kc.makeApiClient(k8s.NetworkingV1Api);
    await net.createNamespacedIngress({
      namespace: ns,
      body: { metadata: { name: "web" }, spec: { rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }] } },
    });
    const ing = await eventually(async () => {
      const i = await net.readNamespacedIngress({ namespace: ns, name: "web" });
      return (i.status?.loadBalancer?.ingress ?? []).length > 0 ? i : undefined;
    });
    expect(ing.status?.loadBalancer?.ingress?.map((x) => x.ip)).toEqual(["10.0.0.10", "10.0.0.11"]);
  });
});

describe("volumes", () => {
  it("binds every PersistentVolumeClaim at once (dynamic provisioning)", async () => {
    const t = await start();
    const ns = await t.namespace();
    await t.core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } } },
    });
    const pvc = await eventually(async () => {
      const p = await t.core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: "data" });
      return p.status?.phase === "Bound" ? p : undefined;
    });
    expect(pvc.status?.capacity).toEqual({ storage: "2Gi" });
    expect(pvc.spec?.volumeName).toMatch(/^pvc-/);
  });
});

describe("metrics and scripts", () => {
  it("reports scripted usage through metrics.k8s.io and kubectl top", async () => {
    const t = await start({ images: [{ image: "example/app", script: { cpuMillicores: 250, memoryBytes: 64 * 1024 * 1024, logs: ["ready"] } }] });
    const ns = await t.namespace();
    await t.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "app", labels: { a: "b" } }, spec: { containers: [{ name: "main", image: "example/app:v1" }] } } });
    await t.kubectl(["wait", "-n", ns, "--for=condition=Ready", "pod/app", "--timeout=30s"]);
    const metrics = new k8s.Metrics(t.kc);
    const pods = await metrics.getPodMetrics(ns);
    expect(pods.items[0]?.containers[0]?.usage).toEqual({ cpu: "250000000n", memory: "65536Ki" });
    const top = await t.kubectl(["top", "pod", "-n", ns, "--no-headers"]);
    expect(top).toMatch(/^app\s+250m\s+64Mi/);
    const nodes = await metrics.getNodeMetrics();
    expect(nodes.items).toHaveLength(1);
    t.double.script("example/other", { logs: ["hi"], exitAfterMs: 10, exitCode: 0 });
    expect(await eventually(async () => (await t.core.readNamespacedPodLog({ namespace: ns, name: "app" })) === "ready\n" ? true : undefined)).toBe(true);
  });

  it("keeps pods Pending (Unschedulable) when their requests exceed node allocatable", async () => {
    const t = await start({ nodeCapacity: { cpu: "1", memory: "1Gi" } });
    const ns = await t.namespace();
    const pod = (name: string, cpu: string): k8s.V1Pod => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "x:1", resources: { requests: { cpu, memory: "64Mi" } } }] } });
    await t.core.createNamespacedPod({ namespace: ns, body: pod("fits", "600m") });
    await t.kubectl(["wait", "-n", ns, "--for=condition=Ready", "pod/fits", "--timeout=30s"]);
    await t.core.createNamespacedPod({ namespace: ns, body: pod("big", "600m") });
    const cond = await eventually(async () => {
      const p = await t.core.readNamespacedPod({ namespace: ns, name: "big" });
      return p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    });
    expect(cond.reason).toBe("Unschedulable");
    expect(cond.message).toContain("1 Insufficient cpu");
    await t.core.deleteNamespacedPod({ namespace: ns, name: "fits" });
    await t.kubectl(["wait", "-n", ns, "--for=condition=Ready", "pod/big", "--timeout=30s"]);
  });

  it("starts with N nodes and spreads pods across them", async () => {
    const d = await startKubeDouble({ nodes: 3 });
    doubles.push(d);
    const nodes = d.list("v1", "Node");
    expect(nodes.map((n) => n.metadata.name)).toEqual(["node-1", "node-2", "node-3"]);
    const podType = d.type("v1", "Pod");
    for (let i = 0; i < 3; i += 1) {
      d.api.create(podType, { apiVersion: "v1", kind: "Pod", metadata: { name: `p${i}` }, spec: { containers: [{ name: "c", image: "x:1" }] } } as never, "default");
    }
    const placed = await eventually(() => {
      const names = d.list("v1", "Pod", "default").map((p) => (p.spec as { nodeName?: string }).nodeName);
      return names.every(Boolean) ? names : undefined;
    });
    expect(new Set(placed).size).toBe(3);
  });
});
