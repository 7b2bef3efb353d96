import { ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition, loadYaml } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { isConflict } from "../apis.ts";
import { quickstackCrds } from "./index.ts";

/**
 * Creates or updates QuickStack's CRDs (dev clusters, the API double, a control plane started
 * with QS_INSTALL_CRDS). Production installs apply deploy/crds with the rest of deploy/.
 */
export async function installCrds(config: KubeConfig): Promise<void> {
  const api = config.makeApiClient(ApiextensionsV1Api);
  for (const manifest of quickstackCrds().values()) {
    // Wire form → client-node model (x-kubernetes-* keys are renamed in the models).
    const body = loadYaml<V1CustomResourceDefinition>(stringify(manifest));
    try {
      await api.createCustomResourceDefinition({ body });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const live = await api.readCustomResourceDefinition({ name: manifest.metadata.name });
      await api.replaceCustomResourceDefinition({
        name: manifest.metadata.name,
        body: { ...body, metadata: { ...body.metadata, resourceVersion: live.metadata?.resourceVersion } },
      });
    }
  }
}
