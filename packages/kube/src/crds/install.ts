import { UnavailableError } from "@qs/core";
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
export async function installCrds(apis: KubeApis, options: { servedWithinMs?: number } = {}): Promise<void> {
  const manifests = [...quickstackCrds().values()];
  for (const manifest of manifests) await installCrd(apis, asCrd(manifest));
  // A new CRD is Established a moment after it is created, and its resources are served a
  // moment after that (404, then 429 while storage initializes): callers list and watch
  // right away, so they are handed over only once every kind answers a list.
  const deadline = Date.now() + (options.servedWithinMs ?? 60_000);
  for (const manifest of manifests) {
    const version = manifest.spec.versions.find((v) => v.served)?.name ?? manifest.spec.versions[0]?.name ?? "v1";
    const plural = String(manifest.spec.names.plural);
    const path = `/apis/${manifest.spec.group}/${version}/${plural}?limit=1`;
    for (;;) {
      try {
        await apis.rest.json("GET", path);
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new UnavailableError("CRD_NOT_SERVED", `the API server does not serve ${plural}.${manifest.spec.group} yet: ${(err as Error).message}`, {
            hint: `check the CRD: kubectl get crd ${manifest.metadata.name} -o yaml`,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
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
