import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, type AppStore, appNamespace, defaultAppSpec } from "@qs/core";
import { type KubeDouble, USED_BYTES_ANNOTATION } from "../../../../test/kube-double/src/index.ts";
import { eventually } from "../../../../test/kube-double/harness.ts";
import { createRegistryClient } from "../../../builder/src/registry/registry-client.ts";
import { pushTinyImage } from "../../../builder/src/registry/tiny-image.ts";
import { startDoubleWithApis } from "../../../../test/support/double-apis.ts";
import type { KubeApis } from "../apis.ts";
import type { Node } from "../rest/wire.ts";
import { acmeOrdersCheck } from "./acme-orders-check.ts";
import { appsCheck } from "./apps-check.ts";
import { certificatesCheck, judgeCertificates } from "./certificates-check.ts";
import { dnsCheck } from "./dns-check.ts";
import { createDoctor } from "./doctor.ts";
import { metricsCheck } from "./metrics-check.ts";
import { nodesCheck } from "./nodes-check.ts";
import { registryStorageCheck } from "./registry-storage-check.ts";
import { pingCheck, pinnedImagesCheck, registryCheck } from "./service-checks.ts";
import { judgeVersions, versionCheck } from "./version-check.ts";
import { type KubeletClient, type KubeletEndpoint, KubeletHttpError } from "./kubelet-client.ts";
import { type StatsSummary, readStatsSummaries } from "./stats-summary.ts";
import { judgeVolumes, volumesCheck } from "./volumes-check.ts";

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

describe("volumes", () => {
  const annotate = (path: string, bytes: number) =>
    apis.rest.json("PATCH", path, { body: { metadata: { annotations: { [USED_BYTES_ANNOTATION]: String(bytes) } } }, contentType: "application/merge-patch+json" });

  it("fails on a nearly full app volume and warns on a filling node disk, each with its fix", async () => {
    const app = `v${randomUUID().slice(0, 8)}`;
    const namespace = appNamespace(app);
    const claim = `${app}-vol-data`;
    await apis.namespaces.create({ metadata: { name: namespace } });
    const labels = { "app.kubernetes.io/managed-by": "quickstack", "quickstack.dev/app": app };
    await apis.persistentVolumeClaims.create(namespace, {
      metadata: { name: claim, namespace, labels: { ...labels, "quickstack.dev/volume": "data" } },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    });
    await apis.pods.create(namespace, {
      metadata: { name: `${app}-web`, namespace, labels },
      spec: { containers: [{ name: "web", image: "registry.local/web:1", volumeMounts: [{ name: "data", mountPath: "/data" }] }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }] },
    });
    const claimPath = `${apis.persistentVolumeClaims.path(namespace)}/${claim}`;
    try {
      // Healthy: the mounted volume is measured and nearly empty.
      const healthy = await eventually(async () => {
        const o = await volumesCheck(apis).run(signal);
        return o.finding.includes(`${namespace}/${claim}`) ? o : undefined;
      });
      expect(healthy).toMatchObject({ status: "ok", finding: expect.stringMatching(new RegExp(`volumes? below 80% \\(fullest ${namespace}/${claim} 0%\\); node disks: node-1 20%$`)) });

      await annotate(claimPath, Math.round(0.97 * 2 ** 30));
      const full = await volumesCheck(apis).run(signal);
      expect(full).toMatchObject({ status: "fail", finding: `volume data of ${app} is 97% full (993 MiB of 1 GiB)` });
      expect(full.fix).toContain(`ssh -t qs apps:enter ${app}`);
      expect(full.fix).toContain(`ssh qs apps:volumes-add ${app}`);

      await annotate(claimPath, 2 ** 20);
      const node = (await apis.nodes.list()).items[0]?.metadata?.name ?? "";
      await annotate(`/api/v1/nodes/${node}`, 43 * 2 ** 30);
      const disk = await volumesCheck(apis).run(signal);
      expect(disk).toMatchObject({ status: "warn", finding: `node ${node}'s disk is 86% full (43 GiB of 50 GiB)` });
      expect(disk.fix).toContain("k3s crictl rmi --prune");
      await annotate(`/api/v1/nodes/${node}`, 10 * 2 ** 30);
      expect(await volumesCheck(apis).run(signal)).toMatchObject({ status: "ok" });
    } finally {
      await apis.namespaces.delete(namespace);
    }
  });

  describe("which route reads the stats", () => {
    // The double's node as a real one is: an InternalIP and the kubelet's port in its status.
    const withEndpoint = (base: KubeApis): KubeApis => ({
      ...base,
      nodes: {
        ...base.nodes,
        list: async (o) => {
          const list = await base.nodes.list(o);
          return { ...list, items: list.items.map((n) => ({ ...n, status: { ...n.status, daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } })) };
        },
      },
    });
    const summary = (nodeName: string): StatsSummary => ({ node: { nodeName, fs: { capacityBytes: 100, usedBytes: 42 } }, pods: [] });
    const kubeletAnswering = (answer: (e: KubeletEndpoint) => Promise<unknown>): KubeletClient & { calls: KubeletEndpoint[] } => {
      const calls: KubeletEndpoint[] = [];
      return { calls, json: <T>(e: KubeletEndpoint) => (calls.push(e), answer(e) as Promise<T>) };
    };
    const refusedProxy = (base: KubeApis): KubeApis => ({ ...base, rest: { ...base.rest, json: <T>(method: string, path: string, o?: Parameters<typeof base.rest.json>[2]) => (path.includes("/proxy/") ? Promise.reject(Object.assign(new Error("forbidden"), { code: 403 })) : base.rest.json<T>(method, path, o)) } });

    it("asks the node's kubelet at its InternalIP and reported port first, not the node proxy", async () => {
      const kubelet = kubeletAnswering(() => Promise.resolve(summary("from-kubelet")));
      const read = await readStatsSummaries(refusedProxy(withEndpoint(apis)), signal, kubelet);
      expect(kubelet.calls).toEqual([{ address: "10.0.0.10", port: 10250 }]);
      expect(read).toEqual({ summaries: [summary("from-kubelet")], unread: [] });
    });

    it("falls back to the node proxy when the kubelet refuses and the proxy is allowed (an admin kubeconfig)", async () => {
      const kubelet = kubeletAnswering((e) => Promise.reject(new KubeletHttpError(e, "/stats/summary", 403, "Forbidden")));
      const read = await readStatsSummaries(withEndpoint(apis), signal, kubelet);
      expect(kubelet.calls).toHaveLength(1);
      expect("summaries" in read && read.summaries.map((s) => s.node.nodeName)).toEqual(["node-1"]);
    });

    it("is refused, naming both routes, when the kubelet says 403 and the proxy is not granted", async () => {
      const kubelet = kubeletAnswering((e) => Promise.reject(new KubeletHttpError(e, "/stats/summary", 403, "Forbidden")));
      expect(await readStatsSummaries(refusedProxy(withEndpoint(apis)), signal, kubelet)).toEqual({
        refused: "the kubelet on node-1 (10.0.0.10:10250) refused the control plane its stats (403: get nodes/stats); the API server's node proxy is not allowed either (403: get nodes/proxy)",
      });
    });

    it("says the certificate does not verify when it does not, and never treats that as an unreachable node", async () => {
      const kubelet = kubeletAnswering(() => Promise.reject(Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })));
      const read = await readStatsSummaries(refusedProxy(withEndpoint(apis)), signal, kubelet);
      expect(read).toEqual({ refused: expect.stringMatching(/^the kubelet on node-1 \(10\.0\.0\.10:10250\) has a serving certificate the cluster CA does not verify \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/) });
    });

    it("names a node whose kubelet answers on neither route while judging the others", () => {
      const outcome = judgeVolumes([summary("node-1")], [], [{ node: "node-2", reason: "the kubelet on node-2 did not answer at 10.0.0.11:10250 (connect ECONNREFUSED)" }]);
      expect(outcome).toEqual({ status: "ok", finding: "no volume measured by the kubelet; node disks: node-1 42%; not read: the kubelet on node-2 did not answer at 10.0.0.11:10250 (connect ECONNREFUSED)" });
    });
  });

  it("is skipped, not failed, when the control plane may not read the kubelet's stats", async () => {
    const refused = Object.assign(new Error("forbidden"), { code: 403 });
    const noProxy: KubeApis = { ...apis, rest: { ...apis.rest, json: <T>(method: string, path: string, o?: Parameters<typeof apis.rest.json>[2]) => (path.includes("/proxy/") ? Promise.reject(refused) : apis.rest.json<T>(method, path, o)) } };
    // The double's nodes report no kubelet port (daemonEndpoints), so the node proxy is the only route.
    expect(await volumesCheck(noProxy).run(signal)).toMatchObject({ status: "ok", finding: expect.stringMatching(/^skipped: the API server refused the control plane the kubelet's stats \(403: get nodes\/proxy\), and node-1 reports no kubelet address and port to read them from directly; volume usage is not checked$/) });
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

describe("registry storage", () => {
  it("warns about the images of a deleted app in the real registry and about a filling registry volume, each with its fix", async () => {
    const registryUrl = process.env.QS_TEST_REGISTRY_URL ?? "";
    expect(registryUrl).not.toBe("");
    const gone = `r${randomUUID().slice(0, 8)}`;
    const kept = `${gone}k`;
    // Other suites push to the same registry: the check sees only this test's repositories.
    const client = createRegistryClient({ url: registryUrl });
    const registry = { listRepositories: async () => (await client.listRepositories()).filter((r) => r.startsWith(gone)), listTags: (repo: string) => client.listTags(repo) };
    await pushTinyImage(registryUrl, kept, "0123456789ab", "2026-01-01T00:00:00Z");
    await pushTinyImage(registryUrl, gone, "abcdef012345", "2026-01-01T00:00:00Z");
    await pushTinyImage(registryUrl, `${gone}/cache`, "sha256-1f2e", "2026-01-01T00:00:00Z");
    const both = appsWith({ [gone]: [], [kept]: [] });
    expect(await registryStorageCheck({ apis, apps: both, registry }).run(signal)).toMatchObject({
      status: "ok",
      finding: "registry holds 3 images in 3 repositories, none of deleted apps; volume not measured (local-path: it is on the node's disk, see the volumes check)",
    });

    const deleted = await registryStorageCheck({ apis, apps: appsWith({ [kept]: [] }), registry }).run(signal);
    expect(deleted).toMatchObject({ status: "warn", finding: expect.stringMatching(new RegExp(`^the registry still stores 2 images of 1 deleted app \\(${gone}\\); `)) });
    expect(deleted.fix).toContain(`ssh qs apps:create ${gone} && ssh qs apps:destroy ${gone} --confirm ${gone}`);

    // The registry's own volume, measured (as on Longhorn) and filling up.
    await apis.namespaces.create({ metadata: { name: "qs-system" } }).catch(() => undefined);
    await apis.persistentVolumeClaims.create("qs-system", {
      metadata: { name: "registry-data", namespace: "qs-system", annotations: { [USED_BYTES_ANNOTATION]: String(17 * 2 ** 30) } },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } },
    });
    await apis.pods.create("qs-system", {
      metadata: { name: "registry", namespace: "qs-system" },
      spec: { containers: [{ name: "registry", image: "registry.local/registry:3" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "registry-data" } }] },
    });
    try {
      const full = await eventually(async () => {
        const o = await registryStorageCheck({ apis, apps: both, registry }).run(signal);
        return o.status === "ok" ? undefined : o;
      });
      expect(full).toMatchObject({ status: "warn", finding: "registry volume 85% full (17 GiB of 20 GiB): 3 images in 3 repositories" });
      expect(full.fix).toContain("kubectl -n qs-system rollout restart deployment/registry");
    } finally {
      await apis.pods.delete("qs-system", "registry");
      await apis.persistentVolumeClaims.delete("qs-system", "registry-data");
    }
  });
});

describe("acme orders", () => {
  const crd = (plural: string, kind: string) => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.acme.cert-manager.io` },
    spec: {
      group: "acme.cert-manager.io",
      scope: "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{ name: "v1", served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
    },
  });

  it("is skipped without cert-manager, then fails the newest failed order and warns on a stuck one, naming the challenge's reason", async () => {
    expect(await acmeOrdersCheck(apis).run(signal)).toMatchObject({ status: "ok", finding: expect.stringMatching(/^skipped: cert-manager's ACME API/) });
    await apis.crds.create(crd("orders", "Order"));
    await apis.crds.create(crd("challenges", "Challenge"));
    const orders = apis.custom<Record<string, unknown>>("acme.cert-manager.io/v1", "orders");
    const challenges = apis.custom<Record<string, unknown>>("acme.cert-manager.io/v1", "challenges");
    const namespace = `qs-app-o${randomUUID().slice(0, 8)}`;
    await apis.namespaces.create({ metadata: { name: namespace } });
    const order = (name: string, domain: string, state: string, reason?: string) =>
      eventually(() => orders.create(namespace, { metadata: { name, namespace, ownerReferences: [{ apiVersion: "cert-manager.io/v1", kind: "CertificateRequest", name: `${name}-cr`, uid: randomUUID() }] }, spec: { request: "", dnsNames: [domain] } }).catch(() => undefined))
        .then(() => apis.rest.json("PATCH", `${orders.path(namespace)}/${name}/status`, { body: { status: { state, ...(reason === undefined ? {} : { reason }) } }, contentType: "application/merge-patch+json" }));
    try {
      await eventually(async () => ((await acmeOrdersCheck(apis).run(signal)).finding === "no certificate orders" ? true : undefined));
      // A failed order followed by a valid one is history.
      await order("shop-1", "shop.example.com", "invalid", "403 unauthorized");
      await new Promise((r) => setTimeout(r, 1100));
      await order("shop-2", "shop.example.com", "valid");
      expect(await acmeOrdersCheck(apis).run(signal)).toMatchObject({ status: "ok", finding: "1 certificate order valid" });

      await order("blog-1", "blog.example.com", "errored", "Failed to finalize Order: 429 urn:ietf:params:acme:error:rateLimited");
      const failed = await acmeOrdersCheck(apis).run(signal);
      expect(failed).toMatchObject({ status: "fail", finding: "the certificate order for blog.example.com is errored (Failed to finalize Order: 429 urn:ietf:params:acme:error:rateLimited)" });
      expect(failed.fix).toContain(`kubectl -n ${namespace} delete certificaterequest blog-1-cr`);
      await orders.delete(namespace, "blog-1");

      await order("api-1", "api.example.com", "pending");
      await challenges.create(namespace, {
        metadata: { name: "api-1-challenge", namespace },
        spec: { dnsName: "api.example.com", type: "HTTP-01" },
      });
      await apis.rest.json("PATCH", `${challenges.path(namespace)}/api-1-challenge/status`, {
        body: { status: { state: "pending", reason: "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'" } },
        contentType: "application/merge-patch+json",
      });
      // Young, it is in progress; twenty minutes on, it is stuck.
      expect(await acmeOrdersCheck(apis).run(signal)).toMatchObject({ status: "ok", finding: "2 certificate orders valid or in progress (1 pending)" });
      const stuck = await acmeOrdersCheck(apis, () => Date.now() + 20 * 60_000).run(signal);
      expect(stuck).toMatchObject({
        status: "warn",
        finding: "the certificate order for api.example.com has been pending for 20 minutes (HTTP-01: Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200')",
      });
      expect(stuck.fix).toContain("http://api.example.com/.well-known/acme-challenge/ reaches it on port 80");
    } finally {
      await apis.namespaces.delete(namespace);
    }
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
