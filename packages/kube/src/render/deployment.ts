import type { Container, Deployment, Volume, VolumeMount } from "../rest/wire.ts";
import type { Release } from "@qs/core";
import {
  ANNOTATION_CONFIG_HASH,
  ANNOTATION_RELEASE,
  LABEL_APP,
  LABEL_COMPONENT,
  LABEL_PROCESS,
  LABEL_RELEASE,
  appLabels,
  names,
} from "../labels.ts";
import { type RenderInput, namespaceOf, ownerReference } from "./context.ts";
import { containerSecurityContext, podSecurityContext, shellCommand } from "./security.ts";

/** Default replicas of a process type the user never scaled: one of each. */
export const DEFAULT_REPLICAS = 1;

/** The Deployment of one process type of the app's current release. */
export function buildDeployment(input: RenderInput, release: Release, process: string): Deployment {
  const { app, spec, options } = input;
  const settings = spec.processes[process];
  // An autoscaled Deployment leaves replicas out: the HPA owns the count, and a rendered
  // number would reset it on every release (mergeForReplace keeps the live count).
  const replicas = settings?.autoscale === undefined ? { replicas: settings?.replicas ?? DEFAULT_REPLICAS } : {};
  const selector = { [LABEL_APP]: app, [LABEL_PROCESS]: process };
  const mounted = spec.volumes.filter((v) => v.processes === undefined || v.processes.length === 0 || v.processes.includes(process));
  const volumes: Volume[] = mounted.map((v) => ({
    name: v.name,
    persistentVolumeClaim: { claimName: names.pvc(app, v.name) },
  }));
  const mounts: VolumeMount[] = mounted.map((v) => ({ name: v.name, mountPath: v.mountPath }));
  // A ReadWriteOnce volume cannot be attached to the old and the new pod on two nodes at
  // once: rolling updates would hang, so such processes stop before they start again.
  const recreate = mounted.length > 0 && options.volumeAccessMode === "ReadWriteOnce";
  const web = process === "web";
  const cpu = settings?.cpu ?? options.defaultCpuRequest;
  const memory = settings?.memory ?? options.defaultMemory;
  const port = spec.webPort ?? options.webPort;

  const container: Container = {
    name: process,
    image: release.image,
    ...shellCommand(release.processes[process]),
    // Config values come from the release's Secret, never from the pod spec.
    envFrom: [{ secretRef: { name: names.releaseEnvSecret(app, release.number) } }],
    env: web ? [{ name: "PORT", value: String(port) }] : [],
    ports: web ? [{ name: "http", containerPort: port, protocol: "TCP" }] : [],
    // No CPU limit: throttling hurts latency more than sharing spare CPU; memory is capped.
    resources: { requests: { cpu, memory }, limits: { memory } },
    securityContext: containerSecurityContext(),
    volumeMounts: mounts,
    ...(web
      ? {
          readinessProbe: {
            ...(spec.healthCheckPath === undefined
              ? { tcpSocket: { port: "http" } }
              : { httpGet: { path: spec.healthCheckPath, port: "http" } }),
            periodSeconds: 5,
            failureThreshold: 3,
            timeoutSeconds: 2,
          },
        }
      : {}),
  };

  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: names.deployment(app, process),
      namespace: namespaceOf(input),
      labels: appLabels(app, { [LABEL_PROCESS]: process, [LABEL_COMPONENT]: "rendered" }),
      ownerReferences: [ownerReference(input)],
    },
    spec: {
      ...replicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: options.progressDeadlineSeconds,
      minReadySeconds: options.minReadySeconds,
      selector: { matchLabels: selector },
      strategy: recreate
        ? { type: "Recreate" }
        : { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: appLabels(app, { [LABEL_PROCESS]: process, [LABEL_RELEASE]: `v${release.number}` }),
          // A new release or config hash changes the template, which rolls the pods.
          annotations: {
            [ANNOTATION_RELEASE]: String(release.number),
            [ANNOTATION_CONFIG_HASH]: release.configHash,
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(),
          ...(options.registryAuth === undefined ? {} : { imagePullSecrets: [{ name: names.pullSecret() }] }),
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selector },
            },
          ],
          terminationGracePeriodSeconds: 30,
          containers: [container],
          volumes,
        },
      },
    },
  };
}
