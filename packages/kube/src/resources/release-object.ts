import type { Release } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { QS_API_VERSION, appLabels, names } from "../labels.ts";
import type { NamespacedResource } from "../rest/resource.ts";

/** Release objects over the REST client. */
export const releaseObjects = (apis: KubeApis): NamespacedResource<ReleaseObject> => apis.custom<ReleaseObject>(QS_API_VERSION, "releases");

type ReleaseSpec = Omit<Release, "releasePhase">;

/** Release status: release-phase outcome and rollout outcome with a human message. */
export interface ReleaseObjectStatus {
  releasePhase?: Release["releasePhase"];
  rollout?: "Pending" | "Succeeded" | "Failed";
  message?: string;
}

/** The Release custom resource in wire form. */
export interface ReleaseObject {
  apiVersion: string;
  kind: "Release";
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
  };
  spec: ReleaseSpec;
  status?: ReleaseObjectStatus;
}

/** A Release object for `release`, owned by the App (uid). */
export function newReleaseObject(release: ReleaseSpec, namespace: string, appUid: string): ReleaseObject {
  return {
    apiVersion: QS_API_VERSION,
    kind: "Release",
    metadata: {
      name: names.releaseObject(release.app, release.number),
      namespace,
      labels: appLabels(release.app, { "quickstack.dev/release": `v${release.number}` }),
      ownerReferences: [{ apiVersion: QS_API_VERSION, kind: "App", name: release.app, uid: appUid }],
    },
    spec: release,
  };
}

/** The Release the ports speak of. */
export function toRelease(obj: ReleaseObject): Release {
  const phase = obj.status?.releasePhase;
  return { ...obj.spec, ...(phase === undefined ? {} : { releasePhase: phase }) };
}

/** The next free release number after the existing ones (v1 for the first). */
export function nextReleaseNumber(existing: readonly number[]): number {
  return existing.reduce((max, n) => Math.max(max, n), 0) + 1;
}

/** Newest first. */
export function sortNewestFirst(releases: readonly Release[]): Release[] {
  return [...releases].sort((a, b) => b.number - a.number);
}
