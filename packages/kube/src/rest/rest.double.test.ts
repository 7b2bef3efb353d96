import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { type KubeDouble, startKubeDouble } from "../../../../test/kube-double/src/index.ts";
import { rejection } from "../../../../test/support/rejection.ts";
import { createKubeApis } from "../apis.ts";
import { type KubeApiError, createRestClient } from "./client.ts";
import { loadInCluster, loadKubeconfigFile } from "./connection.ts";
import { type ObjectEvent, watchOnce } from "./watch.ts";
import type { ConfigMap } from "./wire.ts";

let double: KubeDouble;
const dir = mkdtempSync(join(tmpdir(), "qs-rest-"));
beforeAll(async () => {
  // A short history so that an old resourceVersion is answered 410 Gone.
  double = await startKubeDouble({ historySize: 50 });
});
afterAll(async () => {
  await double.close();
  rmSync(dir, { recursive: true, force: true });
});


/** The double's kubeconfig with its user replaced. */
function kubeconfigWithUser(name: string, user: Record<string, unknown>): string {
  const doc = parse(double.kubeconfigYaml) as { users: { name: string; user: unknown }[] };
  doc.users = doc.users.map((u) => ({ ...u, user }));
  const path = join(dir, name);
  writeFileSync(path, stringify(doc));
  return path;
}

describe("REST client against the API double (HTTPS, CA from the kubeconfig)", () => {
  it("creates, reads, lists, patches and deletes, and reports API errors with their status", async () => {
    const apis = createKubeApis(loadKubeconfigFile(double.kubeconfigPath));
    await apis.namespaces.create({ metadata: { name: "rest-crud" } });
    const created = await apis.configMaps.create("rest-crud", { metadata: { name: "one", labels: { a: "1" } }, data: { k: "v" } });
    expect(typeof created.metadata?.creationTimestamp).toBe("string");
    expect((await apis.configMaps.read("rest-crud", "one")).data).toEqual({ k: "v" });
    expect((await apis.configMaps.list("rest-crud", { labelSelector: "a=1" })).items.map((c) => c.metadata?.name)).toEqual(["one"]);
    expect((await apis.configMaps.list("rest-crud", { labelSelector: "a=2" })).items).toEqual([]);
    const patched = await apis.configMaps.patch("rest-crud", "one", { data: { k2: "v2" } }, "merge");
    expect(patched.data).toEqual({ k: "v", k2: "v2" });

    const conflict = await rejection<KubeApiError>(apis.configMaps.create("rest-crud", { metadata: { name: "one" } }));
    expect(conflict.code).toBe(409);
    expect(conflict.body?.reason).toBe("AlreadyExists");
    await apis.configMaps.delete("rest-crud", "one");
    const missing = await rejection<KubeApiError>(apis.configMaps.read("rest-crud", "one"));
    expect(missing.code).toBe(404);
    expect(missing.message).toMatch(/GET \/api\/v1\/namespaces\/rest-crud\/configmaps\/one: HTTP 404/);
    apis.rest.close();
  });

  it("is refused with 401 for a wrong token, and never sends the token in messages", async () => {
    const apis = createKubeApis(loadKubeconfigFile(kubeconfigWithUser("wrong", { token: "not-the-token" })));
    const err = await rejection<KubeApiError>(apis.namespaces.list());
    expect(err.code).toBe(401);
    expect(err.message).not.toContain("not-the-token");
    apis.rest.close();
  });

  it("authenticates through an exec plugin (client-node is loaded for it)", async () => {
    const credential = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: double.token },
    });
    const path = kubeconfigWithUser("exec", {
      exec: { apiVersion: "client.authentication.k8s.io/v1", command: "sh", args: ["-c", `printf '%s' '${credential}'`], interactiveMode: "Never" },
    });
    const connection = loadKubeconfigFile(path);
    expect(connection.plugin).toBe(true);
    const apis = createKubeApis(connection);
    const list = await apis.namespaces.list();
    expect(list.items.map((n) => n.metadata?.name)).toContain("default");
    apis.rest.close();
  });

  it("connects in-cluster from a service-account folder", async () => {
    const sa = mkdtempSync(join(dir, "sa-"));
    writeFileSync(join(sa, "token"), double.token);
    writeFileSync(join(sa, "ca.crt"), double.caPem ?? "");
    writeFileSync(join(sa, "namespace"), "default");
    const url = new URL(double.url);
    const rest = createRestClient(loadInCluster(sa, { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port }));
    const version = await rest.json<{ gitVersion?: string }>("GET", "/version");
    expect(version.gitVersion).toMatch(/^v1\./);
    rest.close();
  });

  it("streams watch events, and reports a resourceVersion that is too old as expired", async () => {
    const apis = createKubeApis(loadKubeconfigFile(double.kubeconfigPath));
    await apis.namespaces.create({ metadata: { name: "rest-watch" } });
    const start = (await apis.configMaps.list("rest-watch")).metadata?.resourceVersion;
    const events: ObjectEvent<ConfigMap>[] = [];
    const stop = new AbortController();
    const ended = watchOnce<ConfigMap>(apis.rest, apis.configMaps.path("rest-watch"), { resourceVersion: start }, (e) => {
      events.push(e);
      if (e.type === "DELETED") stop.abort();
    }, stop.signal);
    await apis.configMaps.create("rest-watch", { metadata: { name: "w" } });
    await apis.configMaps.patch("rest-watch", "w", { data: { a: "b" } });
    await apis.configMaps.delete("rest-watch", "w");
    expect(await ended).toEqual({ kind: "aborted" });
    expect(events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`)).toEqual([
      "ADDED w",
      "MODIFIED w",
      "DELETED w",
    ]);

    // Push the start revision out of the double's 50-event history.
    for (let i = 0; i < 60; i++) await apis.configMaps.create("rest-watch", { metadata: { name: `fill-${i.toString()}` } });
    const expired = await watchOnce(apis.rest, apis.configMaps.path("rest-watch"), { resourceVersion: start }, () => undefined, new AbortController().signal);
    expect(expired).toEqual({ kind: "expired" });
    apis.rest.close();
  });

  it("names the call that got no answer in time", async () => {
    double.setFaults({ latencyMs: 2_000, pathPattern: /\/configmaps/ });
    try {
      const apis = createKubeApis(loadKubeconfigFile(double.kubeconfigPath));
      const err = await rejection<KubeApiError>(apis.rest.json("GET", "/api/v1/namespaces/default/configmaps", { timeoutMs: 200 }));
      expect(err.message).toBe("GET /api/v1/namespaces/default/configmaps: no answer in 200 ms");
      apis.rest.close();
    } finally {
      double.setFaults({});
    }
  });

  it("gives up on a watch that goes silent (a connection that died without closing)", async () => {
    // Headers, then nothing: what a watch over a dead NAT mapping looks like.
    const server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.flushHeaders();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const rest = createRestClient({
      source: { kind: "file", path: "(test)" },
      server: `http://127.0.0.1:${port.toString()}`,
      namespace: undefined,
      tls: { insecure: false },
      authorization: () => undefined,
      plugin: false,
    });
    const end = await watchOnce(rest, "/api/v1/configmaps", {}, () => undefined, new AbortController().signal, { silenceMs: 300 });
    expect(end).toMatchObject({ kind: "failed", error: { message: "watch of /api/v1/configmaps silent for 300 ms" } });
    rest.close();
    server.closeAllConnections();
    server.close();
  });
});
