import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { appNamespace } from "@qs/core";
import { names } from "@qs/kube";
import { controlPlaneEnv, ensureBuilderImages } from "../../test/cluster/builders/images.ts";
import { up, down } from "../../test/cluster/src/cluster.ts";
import { daemonPid } from "../../test/cluster/src/daemons.ts";
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

/** What the control plane needs to use the local cluster's registry, builder images and pods. */
export interface RealClusterEnv {
  readonly QS_REGISTRY_URL: string;
  readonly QS_REGISTRY_HOST: string;
  readonly QS_BUILD_CONTEXT_HOST: string;
  readonly QS_BUILD_CONTEXT_URL: string;
  /** QS_BUILDER_*_IMAGE (pinned) and QS_BUILDER_REGISTRY_MIRROR: the images made here. */
  readonly [builder: `QS_BUILDER_${string}`]: string;
}

/**
 * The shell line that asks the app for its page: no ingress controller runs on the local
 * cluster, so it goes to the web Service's ClusterIP, which this machine (the node, with
 * kube-proxy) reaches.
 */
export function serviceCurlCommand(app: string, kubectl: string, kubeconfig: string): string {
  const ip = `${kubectl} --kubeconfig ${kubeconfig} -n ${appNamespace(app)} get service ${names.service(app)} -o jsonpath='{.spec.clusterIP}'`;
  return `curl -fsS "http://$(${ip})/"`;
}

/**
 * The local real cluster as dev mode's cluster: started unless it is running already (warm
 * in seconds once built), the builder and base images made here pushed to its registry,
 * the CRDs and namespaces the installer would make. Ctrl-C stops it only if dev mode started
 * it. Pods push and pull images as registry.qs-system.svc:5000 (the product's name for its
 * registry) and fetch build contexts from the control plane on the node address.
 */
export async function startRealCluster(buildContextPort: number): Promise<DevCluster & { env: RealClusterEnv; curl(app: string): string }> {
  const paths = clusterPaths();
  const wasRunning = daemonPid(paths.pids, "kube-apiserver") !== undefined;
  if (!wasRunning) await up(paths);
  // Kaniko, BuildKit, the context fetcher and the Node/Python/Go bases: idempotent, about
  // a second when the registry has them all.
  await ensureBuilderImages();
  await prepareCluster(paths.adminKubeconfig);
  const kubectl = join(toolDirs(true).kubernetes ?? "", "kubectl");
  return {
    kubeconfig: paths.adminKubeconfig,
    env: {
      QS_REGISTRY_URL: `http://127.0.0.1:${ports.registry}`,
      QS_REGISTRY_HOST: registryName,
      QS_BUILD_CONTEXT_HOST: net.nodeIp,
      QS_BUILD_CONTEXT_URL: `http://${net.nodeIp}:${buildContextPort}`,
      ...(await controlPlaneEnv()),
    },
    banner: [
      `REAL CLUSTER: the local Kubernetes ${kubernetesVersion} built from its Go modules (test/cluster).`,
      "Builds run in real builder pods and apps in real containers on this machine.",
      "No ingress controller runs here: apps answer on their Service's ClusterIP (see the curl below).",
      wasRunning ? "It was running already and keeps running after Ctrl-C." : "Ctrl-C stops it again (dev mode started it).",
      `kubectl works against it: KUBECONFIG=${paths.adminKubeconfig} ${kubectl} get apps -A`,
      "npm run dev -- --simulated uses the Kubernetes API double instead.",
    ],
    curl: (app) => serviceCurlCommand(app, kubectl, paths.adminKubeconfig),
    async close() {
      if (!wasRunning) await down(paths);
    },
  };
}
