import { type AddonKind, appNamespace, kubeName } from "@qs/core";
import type { Secret, Service } from "../rest/wire.ts";
import type { V1StatefulSet } from "@kubernetes/client-node";
import type { Wire } from "../rest/wire.ts";
import { LABEL_COMPONENT, appLabels } from "../labels.ts";
import { ownerReference } from "../render/context.ts";
import { containerSecurityContext } from "../render/security.ts";
import { addonKinds } from "./kinds.ts";

export type StatefulSet = Wire<V1StatefulSet>;

/** Label naming the add-on an object belongs to. */
export const LABEL_ADDON = "quickstack.dev/addon";
export const LABEL_ADDON_KIND = "quickstack.dev/addon-kind";
export const ANNOTATION_ADDON_VERSION = "quickstack.dev/addon-version";
export const ANNOTATION_ADDON_SIZE = "quickstack.dev/addon-size";
/** Changed by credentials-rotate: a new pod template, so the pod restarts with the new password. */
export const ANNOTATION_ROTATED_AT = "quickstack.dev/credentials-rotated-at";
/** The server's user in the official images (and in the ones made for the local cluster). */
export const ADDON_UID = 999;

/** Everything an add-on's objects are rendered from. */
export interface AddonRenderInput {
  readonly owner: string;
  /** uid of the owner App: the add-on is deleted with it (its volume is not). */
  readonly ownerUid: string;
  readonly name: string;
  readonly kind: AddonKind;
  readonly version: string;
  readonly size: string;
  readonly image: string;
  /** undefined = the cluster's default StorageClass. */
  readonly storageClass?: string;
}

/** Names of an add-on's objects in the owner's namespace. */
export const addonNames = {
  object: (name: string): string => kubeName("addon", name),
  pod: (name: string): string => `${kubeName("addon", name)}-0`,
  /** volumeClaimTemplate `data` of StatefulSet `addon-<name>`, ordinal 0. */
  pvc: (name: string): string => `data-${kubeName("addon", name)}-0`,
};

/** `addon-<name>.qs-app-<owner>.svc`: reachable from every app namespace. */
export function addonHost(owner: string, name: string): string {
  return `${addonNames.object(name)}.${appNamespace(owner)}.svc`;
}

function labels(input: AddonRenderInput): Record<string, string> {
  return appLabels(input.owner, { [LABEL_COMPONENT]: "addon", [LABEL_ADDON]: input.name, [LABEL_ADDON_KIND]: input.kind });
}

const selector = (input: AddonRenderInput): Record<string, string> => ({ [LABEL_ADDON]: input.name });

function meta(input: AddonRenderInput) {
  return {
    name: addonNames.object(input.name),
    namespace: appNamespace(input.owner),
    labels: labels(input),
    annotations: { [ANNOTATION_ADDON_VERSION]: input.version, [ANNOTATION_ADDON_SIZE]: input.size },
    ownerReferences: [ownerReference({ app: input.owner, appUid: input.ownerUid })],
  };
}

/** The Secret holding the add-on's password. */
export function buildAddonSecret(input: AddonRenderInput, password: string): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(input),
    type: "Opaque",
    data: { password: Buffer.from(password).toString("base64") },
  };
}

/** The ClusterIP Service apps connect through. */
export function buildAddonService(input: AddonRenderInput): Service {
  const port = addonKinds[input.kind].port;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(input),
    spec: { selector: selector(input), ports: [{ name: input.kind, port, targetPort: port }] },
  };
}

/**
 * One server pod with a volume from a claim template. The claim is kept when the
 * StatefulSet goes (destroy without --purge, or the app's deletion) so data is never
 * lost by accident.
 */
export function buildAddonStatefulSet(input: AddonRenderInput, rotatedAt?: string): StatefulSet {
  const kind = addonKinds[input.kind];
  const m = meta(input);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: m,
    spec: {
      replicas: 1,
      serviceName: m.name,
      selector: { matchLabels: selector(input) },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: {
          labels: labels(input),
          ...(rotatedAt === undefined ? {} : { annotations: { [ANNOTATION_ROTATED_AT]: rotatedAt } }),
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsUser: ADDON_UID,
            runAsGroup: ADDON_UID,
            fsGroup: ADDON_UID,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: input.kind,
              image: input.image,
              command: ["/bin/sh", "-c", kind.start],
              ports: [{ name: input.kind, containerPort: kind.port }],
              env: [{ name: kind.passwordEnv, valueFrom: { secretKeyRef: { name: m.name, key: "password" } } }],
              readinessProbe: {
                exec: { command: [...kind.probe] },
                initialDelaySeconds: 2,
                periodSeconds: 3,
                timeoutSeconds: 5,
                failureThreshold: 3,
              },
              livenessProbe: {
                exec: { command: [...kind.probe] },
                initialDelaySeconds: 60,
                periodSeconds: 20,
                timeoutSeconds: 10,
                failureThreshold: 6,
              },
              volumeMounts: [{ name: "data", mountPath: kind.dataPath }],
              securityContext: containerSecurityContext(),
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels: labels(input) },
          spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: input.size } },
            ...(input.storageClass === undefined ? {} : { storageClassName: input.storageClass }),
          },
        },
      ],
    },
  };
}
