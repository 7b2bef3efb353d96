import { KubeConfig, VersionApi } from "@kubernetes/client-node";
import { UnavailableError } from "@qs/core";

/** The control plane's handle on a cluster: the loaded kubeconfig and typed API clients. */
export interface KubeClient {
  readonly config: KubeConfig;
  /** Server URL of the current cluster (for messages, never credentials). */
  readonly server: string;
  /** Resolves with the server's git version; throws UnavailableError when unreachable. */
  ping(timeoutMs?: number): Promise<string>;
}

/** Loads a kubeconfig file, or the in-cluster service account when `path` is undefined. */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const config = new KubeConfig();
  if (path === undefined) config.loadFromCluster();
  else config.loadFromFile(path);
  return config;
}

/** Creates a KubeClient for the given kubeconfig. */
export function createKubeClient(config: KubeConfig): KubeClient {
  const version = config.makeApiClient(VersionApi);
  const server = config.getCurrentCluster()?.server ?? "(no cluster)";
  return {
    config,
    server,
    async ping(timeoutMs = 3_000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const info = await Promise.race([
          version.getCode(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return info.gitVersion;
      } catch (err) {
        throw new UnavailableError(
          "KUBERNETES_UNAVAILABLE",
          `Kubernetes API at ${server} is not reachable: ${(err as Error).message}`,
          { cause: err },
        );
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
