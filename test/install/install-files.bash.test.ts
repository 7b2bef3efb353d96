import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tempDir } from "../support/tmp.ts";
import { repoRoot, runCommand } from "./support.ts";

// The files and manifests install.sh writes, produced by its own render functions
// (a dry run hides their content because it may hold secrets).

/** Runs `body` in bash with the installer's helpers sourced; returns stdout. */
function bash(body: string, env: Record<string, string> = {}): string {
  const helpers = ["lib", "k3s", "addons", "quickstack"]
    .map((f) => `source ${join(repoRoot, `scripts/install/${f}.sh`)}`)
    .join("\n");
  const result = runCommand("bash", ["-euo", "pipefail", "-c", `${helpers}\n${body}`], {
    env: { PATH: process.env.PATH, ...env },
  });
  if (result.status !== 0) throw new Error(`bash failed: ${result.stderr}`);
  return result.stdout;
}

describe("waiting for apt (a stand-in pgrep plays unattended-upgrades)", () => {
  it("waits while apt or dpkg runs, then goes on", async () => {
    const dir = await tempDir("qs-apt-lock-");
    try {
      const calls = join(dir.path, "calls");
      // Busy on the first look (pgrep found a process), idle after.
      writeFileSync(
        join(dir.path, "pgrep"),
        `#!/bin/sh\necho "$*" >>${calls}\n[ "$(wc -l <${calls})" -le 1 ]\n`,
        { mode: 0o755 },
      );
      const out = bash('wait_for "apt and dpkg to be free" 30 apt_idle', {
        PATH: `${dir.path}:${process.env.PATH}`,
      });
      expect(out).toMatch(/waiting for apt and dpkg to be free \. ok \(\d+s\)/);
      expect(readFileSync(calls, "utf8").split("\n").filter(Boolean)).toEqual([
        "-x apt|apt-get|aptitude|dpkg|unattended-upgr",
        "-x apt|apt-get|aptitude|dpkg|unattended-upgr",
      ]);
    } finally {
      await dir.remove();
    }
  });
});

describe("files install.sh writes", () => {
  it("k3s server config: WireGuard, encrypted Secrets, names, agent token", () => {
    const config = parse(
      bash('server_config_yaml "abc123"', {
        DOMAIN: "apps.example.com",
        PUBLIC_IP: "203.0.113.10",
      }),
    ) as Record<string, unknown>;
    expect(config).toEqual({
      "write-kubeconfig-mode": "0600",
      "flannel-backend": "wireguard-native",
      "secrets-encryption": true,
      "node-external-ip": "203.0.113.10",
      // 1:1 NAT: WireGuard peers dial external IPs, not the private interface address.
      "flannel-external-ip": true,
      "tls-san": ["apps.example.com", "203.0.113.10"],
      "agent-token": "abc123",
    });
  });

  it("k3s agent config: server URL, token and the external IP other nodes reach it at", () => {
    const config = parse(
      bash("agent_config_yaml", {
        JOIN_SERVER: "https://203.0.113.10:6443",
        JOIN_TOKEN: "K10aa::node:bb",
        PUBLIC_IP: "198.51.100.7",
      }),
    ) as Record<string, unknown>;
    expect(config).toEqual({
      server: "https://203.0.113.10:6443",
      token: "K10aa::node:bb",
      "node-external-ip": "198.51.100.7",
    });
  });

  it("registries.yaml: mirror through the loopback relay with the node login", () => {
    const registries = parse(bash('registries_yaml "p4ss"')) as Record<string, unknown>;
    const auth = { auth: { username: "node", password: "p4ss" } };
    expect(registries).toEqual({
      mirrors: { "registry.qs-system.svc:5000": { endpoint: ["http://127.0.0.1:5000"] } },
      configs: { "127.0.0.1:5000": auth, "registry.qs-system.svc:5000": auth },
    });
  });

  it("derives the same node registry login on the server and on a joining node", () => {
    const secret = "0123abcd";
    const server = bash(`node_registry_password "${secret}"`).trim();
    const joining = bash('node_registry_password "$(token_secret "$T")"', {
      T: `K10deadbeef::node:${secret}`,
    }).trim();
    expect(joining).toBe(server);
    expect(server).toBe(
      createHash("sha256").update(`quickstack-registry-node:${secret}`).digest("hex"),
    );
    expect(bash('node_registry_password "other"').trim()).not.toBe(server);
  });

  it("Secret manifests carry values base64-encoded, never in clear", () => {
    const tricky = `p"a:s$s 'w\\ord\nline2`;
    const out = bash('secret_manifest quickstack-test "password=$V" "url=redis://:x@h:1/0"', {
      V: tricky,
    });
    expect(out).not.toContain("line2");
    const secret = parse(out) as {
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect(secret.metadata).toMatchObject({ name: "quickstack-test", namespace: "qs-system" });
    const decoded = Object.fromEntries(
      Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
    );
    expect(decoded).toEqual({ password: tricky, url: "redis://:x@h:1/0" });
  });

  it("the Let's Encrypt ClusterIssuer, with and without a contact email", () => {
    type Issuer = {
      kind: string;
      metadata: { name: string };
      spec: { acme: { email?: string; server: string; solvers: unknown[] } };
    };
    const withEmail = parse(
      bash("cluster_issuer_manifest", { EMAIL: "ops@example.com" }),
    ) as Issuer;
    expect(withEmail.kind).toBe("ClusterIssuer");
    expect(withEmail.metadata.name).toBe("letsencrypt");
    expect(withEmail.spec.acme.email).toBe("ops@example.com");
    expect(withEmail.spec.acme.server).toBe("https://acme-v02.api.letsencrypt.org/directory");
    expect(withEmail.spec.acme.solvers).toEqual([
      { http01: { ingress: { ingressClassName: "traefik" } } },
    ]);
    const without = parse(bash("cluster_issuer_manifest", { EMAIL: "" })) as Issuer;
    expect(without.spec.acme.email).toBeUndefined();
  });

  it("reads the digest of a pulled builder image from crictl, for its own repository only", () => {
    const digest = "sha256:" + "1".repeat(64);
    const other = "sha256:" + "2".repeat(64);
    // A stand-in for k3s: `crictl pull` succeeds; `crictl inspecti` lists repoDigests as its
    // go-template prints them, with another name of the same content first.
    const fakeK3s = [
      "k3s() {",
      '  case "$1 $2" in',
      '    "crictl pull") return 0 ;;',
      `    "crictl inspecti") printf '%s\\n' "mirror.example/osscontainertools/kaniko@${other}" "ghcr.io/osscontainertools/kaniko@${digest}" ;;`,
      "  esac",
      "}",
    ].join("\n");
    expect(bash(`${fakeK3s}\nimage_digest ghcr.io/osscontainertools/kaniko:v1.27.6`)).toBe(`${digest}\n`);
    // A failed pull prints nothing (the installer then keeps the tag and warns).
    expect(bash(`k3s() { return 1; }\nimage_digest ghcr.io/osscontainertools/kaniko:v1.27.6`)).toBe("");
  });

  it("pins the k3s install script to the release it installs", () => {
    expect(bash('k3s_script_url "v1.33.4+k3s1"')).toBe(
      "https://raw.githubusercontent.com/k3s-io/k3s/v1.33.4%2Bk3s1/install.sh",
    );
  });
});
