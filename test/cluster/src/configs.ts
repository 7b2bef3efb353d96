import { join } from "node:path";
import { images, net, nodeName, ports, registryName, type ClusterPaths } from "./layout.ts";

// Pure builders for the cluster's configuration files. Each takes the paths it needs and
// returns the file's text; cluster.ts writes them.

/** A kubeconfig with the CA and client identity embedded (base64 PEM). */
export function buildKubeconfig(input: {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  user: string;
}): string {
  const b64 = (s: string): string => Buffer.from(s).toString("base64");
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "qs-local",
          cluster: { server: input.server, "certificate-authority-data": b64(input.caPem) },
        },
      ],
      users: [
        {
          name: input.user,
          user: {
            "client-certificate-data": b64(input.certPem),
            "client-key-data": b64(input.keyPem),
          },
        },
      ],
      contexts: [{ name: "qs-local", context: { cluster: "qs-local", user: input.user } }],
      "current-context": "qs-local",
    },
    null,
    2,
  );
}

/** containerd 2.x config: CRI with runc (cgroupfs), CNI from Debian, registry hosts from certs.d. */
export function buildContainerdConfig(p: ClusterPaths, bins: { runc: string }): string {
  return `version = 3
root = "${p.containerdRoot}"
state = "${p.containerdState}"

[grpc]
  address = "${p.containerdSocket}"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "${images.pause}"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "${p.certsD}"

[plugins."io.containerd.cri.v1.runtime"]
  enable_selinux = false
  # These machines withhold CAP_SYS_RESOURCE even from root, so no process may lower its
  # oom_score_adj (the kubelet asks -998 for sandboxes): keep containers at or above ours.
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "${bins.runc}"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "${p.cniConf}"
`;
}

/**
 * containerd's hosts.toml files: our registry name resolves to the loopback registry
 * over plain HTTP, exactly what k3s renders from install.sh's registries.yaml mirror
 * entry. Every other registry (`_default`: docker.io, registry.invalid, …) resolves to
 * the same loopback registry too, with no upstream: no image is ever fetched from, and
 * no name looked up for, a registry outside this machine.
 */
export function buildRegistryHosts(): { dir: string; text: string }[] {
  const text = `server = "http://127.0.0.1:${ports.registry}"

[host."http://127.0.0.1:${ports.registry}"]
  capabilities = ["pull", "resolve"]
`;
  return [
    { dir: registryName, text },
    { dir: "_default", text },
  ];
}

/** The CNI network: a bridge whose gateway is the node's address, host-local IPAM, portmap. No masquerade: pods cannot reach beyond the machine. */
export function buildCniConflist(): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "qs",
      plugins: [
        {
          type: "bridge",
          bridge: net.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: net.nodePodCidr, gateway: net.nodeIp }]],
            routes: [{ dst: "0.0.0.0/0" }],
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** KubeletConfiguration: webhook authn/authz, cgroupfs on the v1 hierarchy, cluster DNS, low eviction floors for CI disks. */
export function buildKubeletConfig(p: ClusterPaths): string {
  return JSON.stringify(
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      address: net.nodeIp,
      port: ports.kubelet,
      healthzBindAddress: "127.0.0.1",
      healthzPort: 10248,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: join(p.pki, "ca.crt") },
      },
      authorization: { mode: "Webhook" },
      tlsCertFile: join(p.pki, "kubelet-serving.crt"),
      tlsPrivateKeyFile: join(p.pki, "kubelet-serving.key"),
      cgroupDriver: "cgroupfs",
      // Kubelet 1.34 still runs on the cgroup v1 hierarchy these machines have (1.35 refuses it by default).
      failCgroupV1: false,
      failSwapOn: false,
      containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
      clusterDNS: [net.dnsServiceIp],
      clusterDomain: net.clusterDomain,
      resolvConf: join(p.etc, "resolv.conf"),
      staticPodPath: "",
      serializeImagePulls: false,
      evictionHard: {
        "memory.available": "100Mi",
        "nodefs.available": "2%",
        "imagefs.available": "2%",
        "nodefs.inodesFree": "2%",
      },
      imageGCHighThresholdPercent: 98,
      imageGCLowThresholdPercent: 95,
      rotateCertificates: false,
      serverTLSBootstrap: false,
      maxPods: 110,
      // Sandboxes here run with 1024 open files (containers.conf default_ulimits), like the machine's own limits.
      protectKernelDefaults: false,
      makeIPTablesUtilChains: true,
      syncFrequency: "10s",
      nodeStatusUpdateFrequency: "5s",
      shutdownGracePeriod: "0s",
    },
    null,
    2,
  );
}

/** KubeProxyConfiguration: iptables mode (what k3s runs), NodePorts on loopback and the node address only. */
export function buildKubeProxyConfig(p: ClusterPaths): string {
  return JSON.stringify(
    {
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      mode: "iptables",
      clientConnection: { kubeconfig: join(p.etc, "kube-proxy.kubeconfig") },
      hostnameOverride: nodeName,
      clusterCIDR: net.podCidr,
      bindAddress: "127.0.0.1",
      healthzBindAddress: "127.0.0.1:10256",
      metricsBindAddress: "127.0.0.1:10249",
      nodePortAddresses: ["127.0.0.0/8", `${net.nodeIp}/32`],
      // Leave the machine's conntrack table size alone (a VM may not allow changing it).
      conntrack: { maxPerCore: 0, min: 0 },
    },
    null,
    2,
  );
}

/** The nameserver file the kubelet gives pods with dnsPolicy Default (and CoreDNS): nothing outside the machine. */
export function buildResolvConf(): string {
  return "nameserver 127.0.0.1\noptions ndots:1\n";
}
