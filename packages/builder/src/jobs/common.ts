import type { Job } from "kubernetes-types/batch/v1.js";
import type { Container, PodSpec, Volume } from "kubernetes-types/core/v1.js";
import { kubeName, type BuilderJobRequest } from "@qs/core";
import type { BuildJobInput, ResolvedBuilderJobOptions } from "./options.ts";

/**
 * Where the init container unpacks the context; shared with the builder by an emptyDir.
 * Not `/workspace`: Kaniko uses that path itself, so a Dockerfile with `WORKDIR /workspace`
 * collided with the mounted context (upstream kaniko issues #1135, #2296).
 */
export const WORKSPACE = "/qs-build";
export const CONTEXT_DIR = `${WORKSPACE}/context`;
/** A generated Dockerfile lives beside the context, not in it, so it cannot clash. */
export const GENERATED_DOCKERFILE = `${WORKSPACE}/generated/Dockerfile`;
export const FETCH_CONTAINER = "fetch-context";
export const BUILDER_CONTAINER = "build";

/** Labels on the Job and its pod: the standard ones plus ours linking app and build. */
export function builderLabels(input: BuildJobInput): Record<string, string> {
  return {
    "app.kubernetes.io/name": "quickstack-builder",
    "app.kubernetes.io/instance": kubeName(input.app, "build", input.buildId),
    "app.kubernetes.io/component": "build",
    "app.kubernetes.io/part-of": "quickstack",
    "app.kubernetes.io/managed-by": "quickstack",
    "quickstack.dev/app": input.app,
    "quickstack.dev/build": input.buildId,
  };
}

/**
 * The init container: download the context once, verify its sha256, unpack it, and write
 * a generated Dockerfile when there is one. busybox runs it as an unprivileged user with
 * a read-only root filesystem. The URL carries a one-time token: it is spent by this very
 * download and expires when the build ends, so it is useless to anyone reading the spec.
 */
export function fetchContainer(
  input: BuildJobInput,
  options: ResolvedBuilderJobOptions,
): Container {
  const generated = "generated" in input.dockerfile ? input.dockerfile.generated : undefined;
  const script = [
    "set -eu",
    `echo "-----> Fetching the build context"`,
    `wget -q -T 60 -O ${WORKSPACE}/context.tar "$QS_CONTEXT_URL"`,
    `echo "$QS_CONTEXT_SHA256  ${WORKSPACE}/context.tar" | sha256sum -c -s - || { echo "context checksum mismatch" >&2; exit 1; }`,
    `mkdir -p ${CONTEXT_DIR} && tar -xf ${WORKSPACE}/context.tar -C ${CONTEXT_DIR} && rm ${WORKSPACE}/context.tar`,
    ...(generated === undefined
      ? []
      : [
          `mkdir -p ${WORKSPACE}/generated && printf '%s' "$QS_DOCKERFILE" > ${GENERATED_DOCKERFILE}`,
        ]),
    `echo "       context verified (sha256 $QS_CONTEXT_SHA256)"`,
  ].join("\n");
  return {
    name: FETCH_CONTAINER,
    image: options.images.fetch,
    command: ["/bin/sh", "-c", script],
    env: [
      { name: "QS_CONTEXT_URL", value: input.context.url },
      { name: "QS_CONTEXT_SHA256", value: input.context.sha256 },
      ...(generated === undefined ? [] : [{ name: "QS_DOCKERFILE", value: generated }]),
    ],
    resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: [{ name: "workspace", mountPath: WORKSPACE }],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

/** The Dockerfile path the builder reads. */
export function dockerfilePath(input: BuildJobInput): string {
  return "generated" in input.dockerfile
    ? GENERATED_DOCKERFILE
    : `${CONTEXT_DIR}/${input.dockerfile.path}`;
}

/** Wraps the pod spec of a builder into the Job every engine shares. */
export function builderJob(
  input: BuildJobInput,
  options: ResolvedBuilderJobOptions,
  builder: Container,
  extra: {
    volumes?: Volume[];
    podSpec?: Partial<PodSpec>;
    annotations?: Record<string, string>;
  } = {},
): BuilderJobRequest {
  const labels = builderLabels(input);
  const name = kubeName(input.app, "build", input.buildId);
  const job: Job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: options.namespace,
      labels,
      annotations: { "quickstack.dev/git-sha": input.gitSha },
    },
    spec: {
      // A failed build is reported, never retried by Kubernetes: the worker decides.
      backoffLimit: 0,
      activeDeadlineSeconds: options.timeoutSeconds,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
      template: {
        metadata: {
          labels,
          ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }),
        },
        spec: {
          restartPolicy: "Never",
          // Builders need no Kubernetes API access and no service discovery variables.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(options.nodeSelector === undefined
            ? {}
            : { nodeSelector: { ...options.nodeSelector } }),
          initContainers: [fetchContainer(input, options)],
          containers: [builder],
          volumes: [
            { name: "workspace", emptyDir: { sizeLimit: options.workspaceSizeLimit } },
            {
              name: "registry-auth",
              secret: {
                secretName: options.registrySecret,
                items: [{ key: ".dockerconfigjson", path: "config.json" }],
              },
            },
            ...(extra.volumes ?? []),
          ],
          ...extra.podSpec,
        },
      },
    },
  };
  return {
    namespace: options.namespace,
    name,
    manifest: job as Record<string, unknown>,
    containers: [FETCH_CONTAINER, BUILDER_CONTAINER],
    builderContainer: BUILDER_CONTAINER,
  };
}
