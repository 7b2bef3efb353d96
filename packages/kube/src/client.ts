import { UnavailableError } from "@qs/core";
import { type KubeApis, createKubeApis } from "./apis.ts";
import type { KubeConnection } from "./rest/connection.ts";

/** The control plane's handle on a cluster: its connection and the API handles over it. */
export interface KubeClient {
  readonly apis: KubeApis;
  /** Server URL of the current cluster (for messages, never credentials). */
  readonly server: string;
  /** Resolves with the server's git version; throws UnavailableError when unreachable. */
  ping(timeoutMs?: number): Promise<string>;
  /** Closes idle connections. */
  close(): void;
}

/** Creates a KubeClient for a loaded connection. */
export function createKubeClient(connection: KubeConnection): KubeClient {
  const apis = createKubeApis(connection);
  const server = connection.server;
  return {
    apis,
    server,
    async ping(timeoutMs = 3_000) {
      try {
        const info = await apis.rest.json<{ gitVersion?: string }>("GET", "/version", { timeoutMs });
        return info.gitVersion ?? "unknown";
      } catch (err) {
        throw new UnavailableError(
          "KUBERNETES_UNAVAILABLE",
          `Kubernetes API at ${server} is not reachable: ${(err as Error).message}`,
          { cause: err },
        );
      }
    },
    close: () => apis.rest.close(),
  };
}
