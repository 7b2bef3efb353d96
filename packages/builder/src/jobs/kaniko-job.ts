import type { BuilderJobRequest } from "@qs/core";
import { BUILDER_CONTAINER, builderJob, CONTEXT_DIR, dockerfilePath, WORKSPACE } from "./common.ts";
import { kanikoPushedDigest } from "./digest.ts";
import {
  builderResources,
  parseRegistryMirror,
  registryHostOf,
  resolveBuilderJobOptions,
  type BuilderJobOptions,
  type BuildJobInput,
} from "./options.ts";

/**
 * The Kaniko builder Job. Kaniko runs as root inside its container (it unpacks base images
 * over its own filesystem) but needs no privilege. The digest goes to the termination
 * message (`--digest-file=/dev/termination-log`), which the worker reads from pod status.
 */
export function buildKanikoJob(
  input: BuildJobInput,
  options: BuilderJobOptions = {},
): BuilderJobRequest {
  const o = resolveBuilderJobOptions(options);
  const mirror = o.registryMirror === undefined ? undefined : parseRegistryMirror(o.registryMirror);
  const args = [
    `--context=dir://${CONTEXT_DIR}`,
    `--dockerfile=${dockerfilePath(input)}`,
    `--destination=${input.destination}`,
    "--cache=true",
    `--cache-repo=${input.cacheRepo}`,
    "--digest-file=/dev/termination-log",
    "--push-retry=2",
    `--label=quickstack.dev/git-sha=${input.gitSha}`,
    // Both documented: redo snapshots compare file metadata instead of hashing every file
    // (faster); uncompressed cached layers use far less memory on big images.
    "--snapshot-mode=redo",
    "--compressed-caching=false",
    // Package mirrors (no credentials: checked), for the Dockerfile's ARGs.
    ...Object.entries(o.buildArgs).map(([name, value]) => `--build-arg=${name}=${value}`),
    // docker.io base images through the mirror (Kaniko maps index.docker.io to it and
    // falls back to docker.io when the mirror lacks an image).
    ...(mirror === undefined ? [] : [`--registry-mirror=${mirror.host}`]),
    // Plain HTTP for our registry (and a plain-HTTP mirror) only: --insecure,
    // --insecure-pull and --skip-tls-verify apply to every registry, so base images from
    // public ones could go over plain HTTP.
    ...[
      ...new Set([
        ...(o.insecureRegistry ? [input.destination, input.cacheRepo].map(registryHostOf) : []),
        ...(mirror?.insecure === true ? [mirror.host] : []),
      ]),
    ].map((host) => `--insecure-registry=${host}`),
  ];
  const job = builderJob(input, o, {
    name: BUILDER_CONTAINER,
    image: o.images.kaniko,
    args,
    env: [{ name: "DOCKER_CONFIG", value: "/kaniko/.docker" }],
    resources: builderResources(o),
    volumeMounts: [
      { name: "workspace", mountPath: WORKSPACE },
      { name: "registry-auth", mountPath: "/kaniko/.docker", readOnly: true },
    ],
    // On failure the message is the log tail, which tells the user why.
    terminationMessagePolicy: "FallbackToLogsOnError",
  });
  return { ...job, pushedDigest: kanikoPushedDigest(input.destination) };
}
