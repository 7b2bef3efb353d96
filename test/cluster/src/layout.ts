import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

// Where the local cluster keeps its files, the addresses it uses and the names of its
// images. One cluster per machine: its bridge, ports and iptables chains are fixed.

/** The repository root (two folders above this file's folder). */
export const repoRoot = resolve(import.meta.dirname, "../../..");

/** The Kubernetes release the cluster is built from (test/cluster/build.sh pins the same). */
export const kubernetesVersion = "v1.34.4";

/** Network plan, as k3s lays it out on one server. */
export const net = {
  /** Bridge the pods hang off; the node's own address is its gateway address. */
  bridge: "qsbr0",
  podCidr: "10.42.0.0/16",
  nodePodCidr: "10.42.0.0/24",
  nodeIp: "10.42.0.1",
  serviceCidr: "10.43.0.0/16",
  kubernetesServiceIp: "10.43.0.1",
  dnsServiceIp: "10.43.0.10",
  clusterDomain: "cluster.local",
} as const;

/** Fixed loopback ports (chosen off the usual defaults so a real k3s on a laptop keeps 6443). */
export const ports = {
  apiserver: Number(process.env.QS_CLUSTER_API_PORT ?? 16443),
  kine: 12379,
  /** The node-loopback registry endpoint, as install.sh's relay (REGISTRY_NODE_ENDPOINT). */
  registry: Number(process.env.QS_CLUSTER_REGISTRY_PORT ?? 5000),
  kubelet: 10250,
} as const;

export const nodeName = "qs-node";

/** The registry name image references use; containerd mirrors it to the loopback registry, as registries.yaml does on k3s. */
export const registryName = "registry.qs-system.svc:5000";

export const images = {
  pause: `${registryName}/k8s/pause:3.10.1`,
  coredns: `${registryName}/k8s/coredns:1.14.7`,
} as const;

/** Paths of one cluster's files. Sockets go under /run (unix socket paths are short). */
export function clusterPaths(dir = process.env.QS_CLUSTER_DIR ?? join(repoRoot, ".qs/cluster")) {
  const run = "/run/qs-cluster";
  return {
    dir,
    pki: join(dir, "pki"),
    logs: join(dir, "logs"),
    pids: join(dir, "pids"),
    etc: join(dir, "etc"),
    kine: join(dir, "kine"),
    registry: join(dir, "registry"),
    containerdRoot: join(dir, "containerd"),
    kubeletRoot: join(dir, "kubelet"),
    cniConf: join(dir, "etc/cni"),
    certsD: join(dir, "etc/certs.d"),
    run,
    containerdState: join(run, "containerd"),
    containerdSocket: join(run, "containerd.sock"),
    adminKubeconfig: join(dir, "admin.kubeconfig"),
    state: join(dir, "state.json"),
  };
}
export type ClusterPaths = ReturnType<typeof clusterPaths>;

/** Binary folders printed by test/cluster/build.sh (building what is missing unless `printOnly`). */
export function toolDirs(printOnly: boolean): Record<string, string> {
  const out = execFileSync(
    "bash",
    [join(repoRoot, "test/cluster/build.sh"), ...(printOnly ? ["--print"] : [])],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const dirs: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) dirs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return dirs;
}

/** Debian's CNI plugins (containernetworking-plugins). */
export const cniBinDir = "/usr/lib/cni";
