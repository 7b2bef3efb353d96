import type { KubeApi } from "./api.ts";
import type { KubeObject, ResourceType, StoreEvent } from "./types.ts";
import { typeKey } from "./types.ts";

// CustomResourceDefinitions: an established CRD serves its group/versions/plural (namespaced
// or cluster-scoped, with /status and /scale when declared); deleting it removes its objects.

interface CrdSpec {
  group: string;
  scope: "Namespaced" | "Cluster";
  names: { plural: string; singular?: string; kind: string; shortNames?: string[]; categories?: string[]; listKind?: string };
  versions: {
    name: string;
    served: boolean;
    storage: boolean;
    subresources?: { status?: object; scale?: object };
    schema?: { openAPIV3Schema?: unknown };
  }[];
}

/** The resource types a CRD object defines. */
export function typesOfCrd(crd: KubeObject): ResourceType[] {
  const spec = crd.spec as CrdSpec;
  return spec.versions
    .filter((v) => v.served)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      resource: spec.names.plural,
      kind: spec.names.kind,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope === "Namespaced",
      ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
      ...(spec.names.categories ? { categories: spec.names.categories } : {}),
      subresources: [
        ...(v.subresources?.status ? (["status"] as const) : []),
        ...(v.subresources?.scale ? (["scale"] as const) : []),
      ],
      generation: true,
      crd: crd.metadata.name,
    }));
}

/** The openAPIV3Schema of one version of a CRD. */
export function crdSchema(crd: KubeObject, version: string): unknown {
  return (crd.spec as CrdSpec).versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
}

/**
 * A real API server answers requests for a custom resource with 429 "storage is
 * (re)initializing" (Retry-After: 1) for a moment after its CRD is created or its spec
 * changes, while it builds the new storage; the double does the same for this long.
 */
export const STORAGE_INIT_MS = 300;
const initializing = new WeakMap<KubeApi, Map<string, number>>();

/** Whether the storage of CRD `name`'s resources is still being set up (answer 429). */
export function storageInitializing(api: KubeApi, name: string): boolean {
  const until = initializing.get(api)?.get(name);
  return until !== undefined && Date.now() < until;
}

/** Marks every CRD's storage ready: a server that starts with stored CRDs answers only once they are (readiness covers it). */
export function settleCrdStorage(api: KubeApi): void {
  initializing.get(api)?.clear();
}

/** Keeps the registry in step with stored CRDs and marks them Established. */
export function watchCrds(api: KubeApi): () => void {
  const crdType = api.registry.builtin("CustomResourceDefinition");
  const key = typeKey(crdType);
  const served = new Map<string, ResourceType[]>();
  const generations = new Map<string, number | undefined>();
  const init = new Map<string, number>();
  initializing.set(api, init);
  const establish = (crd: KubeObject): void => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const spec = crd.spec as CrdSpec;
    api.mutate(crdType, undefined, crd.metadata.name, (o) => {
      o.status = {
        acceptedNames: { ...spec.names, listKind: spec.names.listKind ?? `${spec.names.kind}List`, singular: spec.names.singular ?? spec.names.kind.toLowerCase() },
        storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
        conditions: [
          { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found", lastTransitionTime: now },
          { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted", lastTransitionTime: now },
        ],
      };
    }, "status");
  };
  const onEvent = (e: StoreEvent): void => {
    if (e.key !== key) return;
    const name = e.object.metadata.name;
    for (const t of served.get(name) ?? []) api.registry.remove(t);
    served.delete(name);
    if (e.type === "DELETED") {
      const t = typesOfCrd(e.object)[0];
      if (t) setImmediate(() => {
        for (const o of api.store.list(typeKey(t))) api.store.remove(typeKey(t), o.metadata.namespace ?? "", o.metadata.name);
      });
      return;
    }
    const generation = e.object.metadata.generation;
    if (e.type === "ADDED" || generations.get(name) !== generation) init.set(name, Date.now() + STORAGE_INIT_MS);
    generations.set(name, generation);
    const types = typesOfCrd(e.object);
    for (const t of types) api.registry.add(t);
    served.set(name, types);
    const established = ((e.object.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === "Established");
    if (!established && !e.object.metadata.deletionTimestamp) setImmediate(() => establish(e.object));
  };
  return api.store.subscribe(onEvent);
}
