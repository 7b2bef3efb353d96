import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { up, down } from "../../test/cluster/src/cluster.ts";
import { clusterPaths, kubernetesVersion, net, ports, registryName, toolDirs } from "../../test/cluster/src/layout.ts";
import { prepareCluster } from "../../test/support/quickstack-cluster.ts";
import type { DevCluster } from "./simulated-cluster.ts";

/** Whether the local real cluster (test/cluster) has been built on this machine and can run here. */
export function localClusterBuilt(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    const dirs = Object.values(toolDirs(true));
    return dirs.length > 0 && dirs.every((d) => existsSync(d) && existsSync(join(dirname(d), ".complete")));
  } catch {
    return false;
  }
}

/** What the control plane needs to use the local cluster's registry and reach pods. */
export interface RealClusterEnv {
  readonly QS_REGISTRY_URL: string;
  readonly QS_REGISTRY_HOST: string;
  readonly QS_BUILD_CONTEXT_HOST: string;
  readonly QS_BUILD_CONTEXT_URL: string;
}

/**
 * The local real cluster as dev mode's cluster: started (warm in seconds once built), the
 * CRDs and namespaces the installer would make, and stopped again on Ctrl-C. Pods push and
 * pull images as registry.qs-system.svc:5000 (the product's name for its registry) and
 * fetch build contexts from the control plane on the node address.
 */
export async function startRealCluster(buildContextPort: number): Promise<DevCluster & { env: RealClusterEnv }> {
  const paths = clusterPaths();
  await up(paths);
  await prepareCluster(paths.adminKubeconfig);
  return {
    kubeconfig: paths.adminKubeconfig,
    env: {
      QS_REGISTRY_URL: `http://127.0.0.1:${ports.registry}`,
      QS_REGISTRY_HOST: registryName,
      QS_BUILD_CONTEXT_HOST: net.nodeIp,
      QS_BUILD_CONTEXT_URL: `http://${net.nodeIp}:${buildContextPort}`,
    },
    banner: [
      `REAL CLUSTER: the local Kubernetes ${kubernetesVersion} built from its Go modules (test/cluster).`,
      "Builds run in real builder pods and apps in real containers on this machine.",
      `kubectl works against it: KUBECONFIG=${paths.adminKubeconfig} kubectl get apps -A`,
      "npm run dev -- --simulated uses the Kubernetes API double instead.",
    ],
    async close() {
      await down(paths);
    },
  };
}
