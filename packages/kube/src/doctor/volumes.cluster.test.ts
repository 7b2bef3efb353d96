import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeApis, createKubeApis, isNotFound } from "../apis.ts";
import { loadKubeConnection, type KubeConnection } from "../rest/connection.ts";
import { KubeletHttpError, createKubeletClient, kubeletEndpoint } from "./kubelet-client.ts";
import { readStatsSummaries } from "./stats-summary.ts";
import { volumesCheck } from "./volumes-check.ts";
import { eventually as poll } from "../../../../test/e2e/deploy/harness.ts";

// Doctor's volume check on the local real cluster, with what production grants: the kubelet
// (webhook authentication and authorization, test/cluster/src/configs.ts) takes a
// ServiceAccount token, asks the API server whether it may `get nodes/stats`, and serves
// /stats/summary to one that may; one that may not is refused by the kubelet and, lacking
// nodes/proxy, by the API server's node proxy too. The kubelet's serving certificate is
// verified against the CA a pod gets (the kube-root-ca.crt ConfigMap), and a CA that did not
// sign it stops the request before the token is sent.

const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const id = randomUUID().slice(0, 8);
const namespace = `qs-volstats-${id}`;
/** nodes get/list and claims list: the rest of what the volumes check reads. Bound to both. */
const baseRole = `qs-volstats-${id}-base`;
/** get nodes/stats, the one right the kubelet checks. Bound to the reader only. */
const statsRole = `qs-volstats-${id}-stats`;
const RBAC = "/apis/rbac.authorization.k8s.io/v1";
const signal = new AbortController().signal;

let admin: KubeApis;
let reader: KubeApis;
let other: KubeApis;
let clusterCa: Buffer;

/** Polls every second: RBAC and the kubelet's authorization cache settle in their own time. */
const eventually = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> => poll(probe, what, timeoutMs, 1_000);

/** API handles as the ServiceAccount `name`, trusting only the CA a pod is given. */
async function asServiceAccount(name: string): Promise<KubeApis> {
  const request = await admin.rest.json<{ status: { token: string } }>("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } },
  });
  const token = request.status.token;
  const connection: KubeConnection = {
    source: { kind: "cluster" },
    server: admin.rest.connection.server,
    namespace,
    tls: { ca: clusterCa, insecure: false },
    authorization: () => `Bearer ${token}`,
    plugin: false,
  };
  return createKubeApis(connection);
}

const binding = (role: string, subjects: string[]) => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRoleBinding",
  metadata: { name: role },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
  subjects: subjects.map((s) => ({ kind: "ServiceAccount", name: s, namespace })),
});

beforeAll(async () => {
  admin = createKubeApis(loadKubeConnection(kubeconfig));
  await admin.namespaces.create({ metadata: { name: namespace } });
  for (const sa of ["reader", "other"]) {
    await admin.rest.json("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { metadata: { name: sa, namespace } } });
  }
  await admin.rest.json("POST", `${RBAC}/clusterroles`, {
    body: {
      metadata: { name: baseRole },
      rules: [
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] },
        { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["list"] },
      ],
    },
  });
  await admin.rest.json("POST", `${RBAC}/clusterroles`, { body: { metadata: { name: statsRole }, rules: [{ apiGroups: [""], resources: ["nodes/stats"], verbs: ["get"] }] } });
  await admin.rest.json("POST", `${RBAC}/clusterrolebindings`, { body: binding(baseRole, ["reader", "other"]) });
  await admin.rest.json("POST", `${RBAC}/clusterrolebindings`, { body: binding(statsRole, ["reader"]) });
  // What a pod mounts as ca.crt: the root CA the controller manager publishes in every namespace.
  const rootCa = await eventually(() => admin.configMaps.read(namespace, "kube-root-ca.crt").then((c) => c.data?.["ca.crt"]), "kube-root-ca.crt");
  clusterCa = Buffer.from(rootCa);
  [reader, other] = await Promise.all([asServiceAccount("reader"), asServiceAccount("other")]);
}, 120_000);

afterAll(async () => {
  const gone = async (p: Promise<unknown>): Promise<void> => {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };
  await Promise.all([
    ...[baseRole, statsRole].map((r) => gone(admin.rest.json("DELETE", `${RBAC}/clusterrolebindings/${r}`))),
    ...[baseRole, statsRole].map((r) => gone(admin.rest.json("DELETE", `${RBAC}/clusterroles/${r}`))),
    gone(admin.namespaces.delete(namespace)),
  ]);
  for (const a of [reader, other, admin]) a?.rest.close();
});

describe("volume usage from the kubelets, with get nodes/stats and without nodes/proxy", () => {
  it("reads the node's stats straight from its kubelet with a ServiceAccount token that may get nodes/stats", async () => {
    const [node] = (await admin.nodes.list()).items;
    expect(node === undefined ? undefined : kubeletEndpoint(node)).toEqual({ address: "10.42.0.1", port: 10250 });
    // The proxy route is closed to this token, so what it reads came from the kubelet.
    await expect(reader.rest.json("GET", "/api/v1/nodes/qs-node/proxy/stats/summary")).rejects.toMatchObject({ code: 403 });

    const read = await eventually(async () => {
      const r = await readStatsSummaries(reader, signal);
      return "summaries" in r ? r : undefined;
    }, "the reader's stats");
    expect(read.unread).toEqual([]);
    expect(read.summaries.map((s) => s.node.nodeName)).toEqual(["qs-node"]);
    expect(read.summaries[0]?.node.fs?.capacityBytes).toBeGreaterThan(0);
    // The whole check, with only what the shipped ClusterRole grants for it: it judges the disk.
    const outcome = await volumesCheck(reader).run(signal);
    expect(outcome.finding).toMatch(/node disks: qs-node \d+%$|^node qs-node's disk is \d+% full/);
  });

  it("is refused by the kubelet (and the node proxy) for a token without nodes/stats: the check is skipped and says why", async () => {
    const endpoint = { address: "10.42.0.1", port: 10250 };
    const refused = await createKubeletClient({ rest: other.rest }).json(endpoint, "/stats/summary", signal).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(KubeletHttpError);
    expect(refused).toMatchObject({ code: 403, message: expect.stringMatching(/subresource\(s\)=\[stats\]/) });

    expect(await readStatsSummaries(other, signal)).toEqual({
      refused: "the kubelet on qs-node (10.42.0.1:10250) refused the control plane its stats (403: get nodes/stats); the API server's node proxy is not allowed either (403: get nodes/proxy)",
    });
    expect(await volumesCheck(other).run(signal)).toMatchObject({ status: "ok", finding: expect.stringMatching(/^skipped: the kubelet on qs-node .* \(403: get nodes\/stats\).*; volume usage is not checked$/) });
  });

  it("stops before sending anything (the token included) to a kubelet whose certificate the given CA did not sign", async () => {
    // A real CA of this cluster that signs no kubelet: the front proxy's (aggregation layer).
    const auth = await admin.configMaps.read("kube-system", "extension-apiserver-authentication");
    const frontProxyCa = auth.data?.["requestheader-client-ca-file"] ?? "";
    expect(frontProxyCa).toContain("BEGIN CERTIFICATE");
    const kubelet = createKubeletClient({ rest: reader.rest, ca: Buffer.from(frontProxyCa) });
    const read = await readStatsSummaries(reader, signal, kubelet);
    expect(read).toEqual({
      refused: expect.stringMatching(/^the kubelet on qs-node \(10\.42\.0\.1:10250\) has a serving certificate the cluster CA does not verify \([A-Z_]+\); the API server's node proxy is not allowed either \(403: get nodes\/proxy\)$/),
    });
  });
});
