import { type KubeApis, isConflict } from "../apis.ts";
import type { CustomResourceDefinition } from "../rest/wire.ts";
import { quickstackCrds } from "./index.ts";
import type { CrdManifest } from "./manifest.ts";

/**
 * The manifest as the API's CRD type. Both are the wire form; CrdManifest's schema nodes are
 * looser records than the generated JSONSchemaProps, hence the one cast here.
 */
const asCrd = (manifest: CrdManifest): CustomResourceDefinition => manifest as unknown as CustomResourceDefinition;

/**
 * Creates or updates QuickStack's CRDs (dev clusters, the API double, a control plane started
 * with QS_INSTALL_CRDS). Production installs apply deploy/crds with the rest of deploy/.
 */
export async function installCrds(apis: KubeApis): Promise<void> {
  for (const manifest of quickstackCrds().values()) await installCrd(apis, asCrd(manifest));
}

/** Creates the CRD or replaces the live one; a writer racing us (another installer) is retried. */
async function installCrd(apis: KubeApis, body: CustomResourceDefinition): Promise<void> {
  const name = body.metadata?.name ?? "";
  for (let attempt = 1; ; attempt++) {
    try {
      try {
        await apis.crds.create(body);
      } catch (err) {
        if (!isConflict(err)) throw err;
        const live = await apis.crds.read(name);
        await apis.crds.replace(name, { ...body, metadata: { ...body.metadata, resourceVersion: live.metadata?.resourceVersion } });
      }
      return;
    } catch (err) {
      if (!isConflict(err) || attempt === 5) throw err;
    }
  }
}
