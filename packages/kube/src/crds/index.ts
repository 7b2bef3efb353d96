import type { CrdManifest } from "./manifest.ts";
import { appCrd } from "./app-crd.ts";
import { releaseCrd } from "./release-crd.ts";

/** File name under deploy/crds/ → CRD. deploy/crds is generated from here (see crds.test.ts). */
export function quickstackCrds(): ReadonlyMap<string, CrdManifest> {
  return new Map([
    ["app.yaml", appCrd()],
    ["release.yaml", releaseCrd()],
  ]);
}

export { appCrd, releaseCrd };
export type { CrdManifest } from "./manifest.ts";
