import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadInCluster, loadKubeconfigFile } from "./connection.ts";

const dir = mkdtempSync(join(tmpdir(), "qs-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = { server: "https://10.0.0.1:6443/" }, extra: Record<string, unknown> = {}): string {
  const path = join(dir, `config-${(n++).toString()}`);
  writeFileSync(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster }],
      users: [{ name: "u", user }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "team" } }],
      "current-context": "ctx",
      ...extra,
    }),
  );
  return path;
}

describe("loadKubeconfigFile", () => {
  it("reads the current context: server without trailing slash, namespace, bearer token", () => {
    const c = loadKubeconfigFile(kubeconfig({ token: "abc" }));
    expect(c.server).toBe("https://10.0.0.1:6443");
    expect(c.namespace).toBe("team");
    expect(c.authorization()).toBe("Bearer abc");
    expect(c.plugin).toBe(false);
    expect(c.tls.insecure).toBe(false);
  });

  it("reads certificate files relative to the kubeconfig and inline -data as base64", () => {
    writeFileSync(join(dir, "client.crt"), "CERT");
    writeFileSync(join(dir, "client.key"), "KEY");
    const c = loadKubeconfigFile(
      kubeconfig(
        { "client-certificate": "client.crt", "client-key": join(dir, "client.key") },
        { server: "https://k", "certificate-authority-data": Buffer.from("CA").toString("base64"), "tls-server-name": "kubernetes" },
      ),
    );
    expect(c.tls.cert?.toString()).toBe("CERT");
    expect(c.tls.key?.toString()).toBe("KEY");
    expect(c.tls.ca?.toString()).toBe("CA");
    expect(c.tls.serverName).toBe("kubernetes");
    expect(c.authorization()).toBeUndefined();
  });

  it("supports a token file, basic auth and insecure-skip-tls-verify", () => {
    writeFileSync(join(dir, "token"), "from-file\n");
    expect(loadKubeconfigFile(kubeconfig({ tokenFile: "token" })).authorization()).toBe("Bearer from-file");
    const basic = loadKubeconfigFile(kubeconfig({ username: "ann", password: "pw" }, { server: "https://k", "insecure-skip-tls-verify": true }));
    expect(basic.authorization()).toBe(`Basic ${Buffer.from("ann:pw").toString("base64")}`);
    expect(basic.tls.insecure).toBe(true);
  });

  it("marks exec plugins and auth-providers for client-node", () => {
    expect(loadKubeconfigFile(kubeconfig({ exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" } })).plugin).toBe(true);
    expect(loadKubeconfigFile(kubeconfig({ "auth-provider": { name: "oidc" } })).plugin).toBe(true);
  });

  it("names what is missing", () => {
    expect(() => loadKubeconfigFile(kubeconfig({ token: "x" }, { server: "https://k" }, { "current-context": "" }))).toThrow(/no current-context/);
    expect(() => loadKubeconfigFile(kubeconfig({ token: "x" }, { server: "https://k" }, { "current-context": "other" }))).toThrow(
      /context "other" is not defined/,
    );
    expect(() => loadKubeconfigFile(kubeconfig({ token: "x" }, {}))).toThrow(/has no server/);
    expect(() => loadKubeconfigFile(kubeconfig({ token: "x" }, { server: "https://k", "proxy-url": "socks5://p:1080" }))).toThrow(
      /uses proxy-url, which QuickStack does not support/,
    );
  });
});

describe("loadInCluster", () => {
  it("uses the service account's token, CA and namespace, and the service host (IPv6 in brackets)", () => {
    const sa = mkdtempSync(join(dir, "sa-"));
    writeFileSync(join(sa, "token"), "sa-token");
    writeFileSync(join(sa, "ca.crt"), "CA");
    writeFileSync(join(sa, "namespace"), "qs-system\n");
    const c = loadInCluster(sa, { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" });
    expect(c.server).toBe("https://[fd00::1]:443");
    expect(c.namespace).toBe("qs-system");
    expect(c.authorization()).toBe("Bearer sa-token");
    expect(c.tls.ca?.toString()).toBe("CA");
  });

  it("refuses to start outside a cluster with a hint", () => {
    expect(() => loadInCluster(dir, {})).toThrow(/set QS_KUBECONFIG/);
  });
});
