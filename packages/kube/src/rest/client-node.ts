import type * as ClientNode from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeConnection } from "./connection.ts";

/**
 * client-node, loaded on first use only, for exec-plugin and auth-provider credentials (EKS,
 * GKE …). Importing it loads every generated model (about 60 MB of resident memory), so only
 * a control plane whose kubeconfig needs a plugin pays for it.
 */
async function loadClientNode(): Promise<typeof ClientNode> {
  return import("@kubernetes/client-node");
}

const configs = new WeakMap<KubeConnection, Promise<KubeConfig>>();

/** client-node's KubeConfig for the same source as `connection` (made once per connection). */
export function clientNodeConfig(connection: KubeConnection): Promise<KubeConfig> {
  let config = configs.get(connection);
  if (config === undefined) {
    config = loadClientNode().then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      if (connection.source.kind === "file") kc.loadFromFile(connection.source.path);
      else kc.loadFromCluster();
      return kc;
    });
    configs.set(connection, config);
  }
  return config;
}
