import { describe, expect, it } from "vitest";
import {
  buildCniConflist,
  buildContainerdConfig,
  buildKubeconfig,
  buildKubeletConfig,
  buildKubeProxyConfig,
  buildRegistryHosts,
} from "./configs.ts";
import { clusterPaths, images, net, ports, registryName } from "./layout.ts";

const p = clusterPaths("/tmp/qs-cluster-test");

describe("local cluster configuration", () => {
  it("kubelet: webhook authn/authz, no anonymous access, cgroupfs on cgroup v1, cluster DNS", () => {
    const cfg = JSON.parse(buildKubeletConfig(p)) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true } },
      authorization: { mode: "Webhook" },
      cgroupDriver: "cgroupfs",
      failCgroupV1: false,
      clusterDNS: [net.dnsServiceIp],
      containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
    });
  });

  it("containerd: the sandbox image comes from our registry name, registry hosts from certs.d, runc with cgroupfs", () => {
    const toml = buildContainerdConfig(p, { runc: "/x/runc" });
    expect(toml).toContain(`sandbox = "${images.pause}"`);
    expect(toml).toContain(`config_path = "${p.certsD}"`);
    expect(toml).toContain('BinaryName = "/x/runc"');
    expect(toml).toContain("SystemdCgroup = false");
    expect(images.pause.startsWith(`${registryName}/`)).toBe(true);
  });

  it("registry mirror: our registry name and every other registry resolve to the loopback registry only, over HTTP", () => {
    const hosts = buildRegistryHosts();
    expect(hosts.map((h) => h.dir)).toEqual([registryName, "_default"]);
    for (const h of hosts) {
      expect(h.text).toContain(`server = "http://127.0.0.1:${ports.registry}"`);
      expect(h.text).not.toMatch(/https:\/\//);
    }
  });

  it("CNI: a bridge on the node address without masquerade (pod traffic stays on the machine)", () => {
    const list = JSON.parse(buildCniConflist()) as { plugins: Record<string, unknown>[] };
    expect(list.plugins[0]).toMatchObject({
      type: "bridge",
      bridge: net.bridge,
      isGateway: true,
      ipMasq: false,
    });
    expect(list.plugins.map((x) => x.type)).toEqual(["bridge", "portmap"]);
  });

  it("kube-proxy: iptables mode, NodePorts only on loopback and the node address", () => {
    const cfg = JSON.parse(buildKubeProxyConfig(p)) as {
      mode: string;
      nodePortAddresses: string[];
      clusterCIDR: string;
    };
    expect(cfg.mode).toBe("iptables");
    expect(cfg.clusterCIDR).toBe(net.podCidr);
    expect(cfg.nodePortAddresses).toEqual(["127.0.0.0/8", `${net.nodeIp}/32`]);
  });

  it("kubeconfig embeds the CA and the client identity", () => {
    const kc = JSON.parse(
      buildKubeconfig({
        server: "https://127.0.0.1:1",
        caPem: "CA",
        certPem: "CERT",
        keyPem: "KEY",
        user: "u",
      }),
    ) as {
      clusters: { cluster: Record<string, string> }[];
      users: { user: Record<string, string> }[];
    };
    expect(
      Buffer.from(kc.clusters[0]?.cluster["certificate-authority-data"] ?? "", "base64").toString(),
    ).toBe("CA");
    expect(Buffer.from(kc.users[0]?.user["client-key-data"] ?? "", "base64").toString()).toBe(
      "KEY",
    );
  });
});
