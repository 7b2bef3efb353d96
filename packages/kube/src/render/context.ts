import type { OwnerReference } from "../rest/wire.ts";
import type { AppSpec, Release } from "@qs/core";
import { appNamespace } from "@qs/core";
import { QS_API_VERSION } from "../labels.ts";
import type { RenderOptions } from "./options.ts";

/** Everything a renderer reads: the app, its owner identity, the release to run. */
export interface RenderInput {
  readonly app: string;
  /** uid of the App object: every rendered object is owned by it (garbage collection). */
  readonly appUid: string;
  readonly spec: AppSpec;
  /** The release spec.release names; undefined before the first deploy. */
  readonly release: Release | undefined;
  readonly options: RenderOptions;
}

/** The namespace of the rendered objects. */
export function namespaceOf(input: RenderInput): string {
  return appNamespace(input.app);
}

/** The ownerReference pointing at the App (controller, blocks deletion until children go). */
export function ownerReference(input: { app: string; appUid: string }): OwnerReference {
  return {
    apiVersion: QS_API_VERSION,
    kind: "App",
    name: input.app,
    uid: input.appUid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Process types that run for a release: the Procfile's, else the image CMD as `web`. */
export function processTypes(release: Release): string[] {
  const types = Object.keys(release.processes).filter((t) => t !== "release");
  return types.length === 0 ? ["web"] : types.sort();
}
