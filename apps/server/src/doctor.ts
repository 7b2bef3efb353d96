import { type Doctor, type HealthCheck } from "@qs/core";
import { DEFAULT_BUILDER_IMAGES, createRegistryClient } from "@qs/builder";
import type { QsConfig } from "@qs/config";
import {
  acmeOrdersCheck,
  appsCheck,
  backupsCheck,
  certificatesCheck,
  createDoctor,
  dnsCheck,
  metricsCheck,
  nodesCheck,
  pingCheck,
  pinnedImagesCheck,
  registryCheck,
  registryStorageCheck,
  versionCheck,
  volumesCheck,
  type KubeClient,
} from "@qs/kube";
import type { ClusterParts } from "./cluster.ts";

/**
 * The k3s release install.sh installs (scripts/install/main.sh K3S_VERSION_DEFAULT): nodes
 * on an older minor are reported by doctor.
 */
export const SUPPORTED_K3S_VERSION = "v1.34.4+k3s1";

/** The installation's checks, over the parts the control plane already built. */
export function createInstallationDoctor(options: {
  readonly config: QsConfig;
  readonly kube: KubeClient;
  readonly cluster: Pick<ClusterParts, "apps">;
  readonly pingRedis: () => Promise<unknown>;
}): Doctor {
  const { config, kube, cluster } = options;
  const apis = kube.apis;
  const checks: HealthCheck[] = [
    nodesCheck(apis),
    pingCheck("kubernetes", "Kubernetes API", () => kube.ping(), "on the server: systemctl status k3s; journalctl -u k3s -n 50"),
    pingCheck("redis", "Redis", options.pingRedis, "kubectl -n qs-system get pods -l app.kubernetes.io/name=redis; its PVC may be full (kubectl -n qs-system describe pvc)"),
    registryCheck(config.registry.url),
    registryStorageCheck({
      apis,
      apps: cluster.apps,
      registry: createRegistryClient({
        url: config.registry.url,
        ...(config.registry.username === undefined ? {} : { username: config.registry.username }),
        ...(config.registry.password === undefined ? {} : { password: config.registry.password }),
      }),
    }),
    metricsCheck(apis),
    appsCheck(apis),
    backupsCheck(apis),
    certificatesCheck(apis),
    acmeOrdersCheck(apis),
    volumesCheck(apis),
    dnsCheck({ apis, apps: cluster.apps }),
    versionCheck(apis, SUPPORTED_K3S_VERSION),
    pinnedImagesCheck({ ...DEFAULT_BUILDER_IMAGES, ...config.build.images }),
  ];
  return createDoctor({ checks });
}
