import { posix } from "node:path";
import type { BuilderJobRequest } from "@qs/core";
import { BUILDER_CONTAINER, builderJob, CONTEXT_DIR, dockerfilePath, WORKSPACE } from "./common.ts";
import {
  builderResources,
  parseRegistryMirror,
  resolveBuilderJobOptions,
  type BuilderJobOptions,
  type RegistryMirror,
  type BuildJobInput,
} from "./options.ts";

/**
 * buildctl writes its metadata file through a temporary file beside the target and a
 * rename; in /dev that fails (EACCES as uid 1000, EBUSY as root) after the push. So it
 * writes here, in the shared emptyDir, and the wrapper copies it to the termination log.
 */
export const BUILDKIT_METADATA = `${WORKSPACE}/buildkit-metadata.json`;

/** buildkitd's config file, written by the wrapper when a registry mirror is set. */
export const BUILDKITD_CONFIG = `${WORKSPACE}/buildkitd.toml`;

/** buildkitd.toml sending docker.io pulls to `mirror` (plain HTTP for that host only). */
export function buildkitdConfig(mirror: RegistryMirror): string {
  return [
    `[registry."docker.io"]`,
    `  mirrors = [${JSON.stringify(mirror.host)}]`,
    ...(mirror.insecure ? [`[registry.${JSON.stringify(mirror.host)}]`, "  http = true"] : []),
    "",
  ].join("\n");
}

/** buildctl-daemonless.sh's tries to reach buildkitd: sum of (100 + 20·i) ms ≈ 30 s. */
export const BUILDKITD_CONNECT_RETRIES = 50;

/**
 * The rootless BuildKit builder Job: `buildctl-daemonless.sh` starts buildkitd for the one
 * build, as uid 1000, without privilege. Rootless BuildKit creates user and mount
 * namespaces (RootlessKit), which the runtime's default seccomp and AppArmor profiles
 * forbid, so both are Unconfined for this container only — BuildKit's documented setup for
 * Kubernetes (docs/rootless.md, examples/kubernetes/job.rootless.yaml). With
 * `--oci-worker-no-process-sandbox` it needs no extra capability or `privileged`.
 * The metadata file (JSON with `containerimage.digest`) goes to the termination message.
 * Args are buildctl's; the command is a small sh wrapper that passes them on.
 */
export function buildBuildkitJob(
  input: BuildJobInput,
  options: BuilderJobOptions = {},
): BuilderJobRequest {
  const o = resolveBuilderJobOptions(options);
  const dockerfile = dockerfilePath(input);
  const insecure = o.insecureRegistry ? ",registry.insecure=true" : "";
  const args = [
    "build",
    "--frontend=dockerfile.v0",
    `--local=context=${CONTEXT_DIR}`,
    `--local=dockerfile=${posix.dirname(dockerfile)}`,
    `--opt=filename=${posix.basename(dockerfile)}`,
    `--opt=label:quickstack.dev/git-sha=${input.gitSha}`,
    // Package mirrors (no credentials: checked), for the Dockerfile's ARGs.
    ...Object.entries(o.buildArgs).map(([name, value]) => `--opt=build-arg:${name}=${value}`),
    `--output=type=image,name=${input.destination},push=true${insecure}`,
    `--import-cache=type=registry,ref=${input.cacheRepo}${insecure}`,
    `--export-cache=type=registry,ref=${input.cacheRepo},mode=max${insecure}`,
    `--metadata-file=${BUILDKIT_METADATA}`,
    "--progress=plain",
  ];
  const mirror = o.registryMirror === undefined ? undefined : parseRegistryMirror(o.registryMirror);
  return builderJob(
    input,
    o,
    {
      name: BUILDER_CONTAINER,
      image: o.images.buildkit,
      command: [
        "/bin/sh",
        "-c",
        `${mirror === undefined ? "" : `printf '%s' "$QS_BUILDKITD_CONFIG" > ${BUILDKITD_CONFIG} && `}buildctl-daemonless.sh "$@" && cat ${BUILDKIT_METADATA} > /dev/termination-log`,
        "buildctl-daemonless.sh",
      ],
      args,
      env: [
        {
          name: "BUILDKITD_FLAGS",
          value: `--oci-worker-no-process-sandbox${mirror === undefined ? "" : ` --config=${BUILDKITD_CONFIG}`}`,
        },
        { name: "DOCKER_CONFIG", value: "/home/user/.docker" },
        // How often buildctl-daemonless.sh asks for buildkitd before it gives up; each wait is
        // 20 ms longer than the one before. Its default (10) is about 2 s, which a small,
        // busy server can miss (rootless buildkitd's start took longer in our CI: "could not
        // connect … after 10 trials"); 50 is about 30 s.
        { name: "BUILDCTL_CONNECT_RETRIES_MAX", value: String(BUILDKITD_CONNECT_RETRIES) },
        ...(mirror === undefined
          ? []
          : [{ name: "QS_BUILDKITD_CONFIG", value: buildkitdConfig(mirror) }]),
      ],
      resources: builderResources(o),
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: "Unconfined" },
        appArmorProfile: { type: "Unconfined" },
      },
      volumeMounts: [
        { name: "workspace", mountPath: WORKSPACE },
        { name: "registry-auth", mountPath: "/home/user/.docker", readOnly: true },
        { name: "buildkitd", mountPath: "/home/user/.local/share/buildkit" },
      ],
      terminationMessagePolicy: "FallbackToLogsOnError",
    },
    { volumes: [{ name: "buildkitd", emptyDir: { sizeLimit: o.workspaceSizeLimit } }] },
  );
}
