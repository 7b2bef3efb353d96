import type { App, AppCondition, AppSpec, AppStatus } from "@qs/core";
import { appNamespace, defaultAppSpec } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { QS_API_VERSION, appLabels } from "../labels.ts";
import type { NamespacedResource } from "../rest/resource.ts";

/** App objects over the REST client. */
export const appObjects = (apis: KubeApis): NamespacedResource<AppObject> => apis.custom<AppObject>(QS_API_VERSION, "apps");

/** The App object's status as stored (core's AppStatus plus printer-column fields). */
export interface AppObjectStatus extends AppStatus {
  /** `ready/desired` pods over all processes, for `kubectl get apps`. */
  readonly ready?: string;
  /** Ready, Progressing, Degraded or Idle (no release yet). */
  readonly phase?: string;
}

/** The App custom resource in wire form. */
export interface AppObject {
  apiVersion: string;
  kind: "App";
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: AppSpec;
  status?: AppObjectStatus;
}

/** A new App object for `name` with `spec`. */
export function newAppObject(name: string, spec: AppSpec, createdBy: string): AppObject {
  return {
    apiVersion: QS_API_VERSION,
    kind: "App",
    metadata: {
      name,
      namespace: appNamespace(name),
      labels: appLabels(name),
      annotations: { "quickstack.dev/created-by": createdBy },
    },
    spec,
  };
}

/** Fills fields an older or hand-written object may lack, so readers see a full AppSpec. */
export function normaliseSpec(spec: Partial<AppSpec> | undefined): AppSpec {
  const d = defaultAppSpec();
  return {
    ...d,
    ...spec,
    processes: spec?.processes ?? d.processes,
    domains: spec?.domains ?? d.domains,
    volumes: spec?.volumes ?? d.volumes,
    builder: spec?.builder ?? d.builder,
  };
}

/** The App the ports speak of, from the stored object. */
export function toApp(obj: AppObject): App {
  const status = obj.status;
  const conditions: readonly AppCondition[] = status?.conditions ?? [];
  return {
    name: obj.metadata.name,
    spec: normaliseSpec(obj.spec),
    status: {
      conditions,
      ...(status?.observedGeneration === undefined ? {} : { observedGeneration: status.observedGeneration }),
      ...(status?.currentRelease === undefined ? {} : { currentRelease: status.currentRelease }),
      ...(status?.processes === undefined ? {} : { processes: status.processes }),
    },
    version: obj.metadata.resourceVersion ?? "",
    createdAt: obj.metadata.creationTimestamp ?? "",
    ...(obj.metadata.deletionTimestamp === undefined ? {} : { deletingSince: obj.metadata.deletionTimestamp }),
  };
}
