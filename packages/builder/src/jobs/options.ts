import { ConfigError, parseImageReference } from "@qs/core";
import type { ResourceRequirements } from "kubernetes-types/core/v1.js";
import { mirrorBuildArgs, type BuildMirrors } from "../stacks/mirrors.ts";

/**
 * Builder images, pinned by exact tag and configurable.
 *
 * Kaniko: Google archived GoogleContainerTools/kaniko in June 2025. Chainguard's fork
 * (chainguard-dev/kaniko) publishes source releases only, not public images, so the
 * default is the osscontainertools fork, which publishes images and fixes bugs
 * (ghcr.io/osscontainertools/kaniko; release v1.27.6 is from 2026-06-05).
 * No digests here: one can only be stated after pulling, and the machines this was written
 * on cannot reach an image registry. install.sh pulls each image on the server and sets
 * QS_BUILDER_*_IMAGE to `name:tag@sha256:…`; the control plane warns at start about any
 * builder image still unpinned.
 */
export interface BuilderImages {
  /** @defaultValue "ghcr.io/osscontainertools/kaniko:v1.27.6" */
  readonly kaniko: string;
  /** Rootless BuildKit (ships buildctl-daemonless.sh). @defaultValue "docker.io/moby/buildkit:v0.30.0-rootless" */
  readonly buildkit: string;
  /** Fetches and unpacks the context: busybox has wget, sha256sum and tar. @defaultValue "docker.io/library/busybox:1.37.0" */
  readonly fetch: string;
}

export const DEFAULT_BUILDER_IMAGES: BuilderImages = {
  kaniko: "ghcr.io/osscontainertools/kaniko:v1.27.6",
  buildkit: "docker.io/moby/buildkit:v0.30.0-rootless",
  fetch: "docker.io/library/busybox:1.37.0",
};

/** The builder images not pinned to content (no `@sha256:` digest), by role. */
export function unpinnedBuilderImages(images: BuilderImages): string[] {
  return (["kaniko", "buildkit", "fetch"] as const)
    .filter((role) => parseImageReference(images[role]).digest === undefined)
    .map((role) => `${role}=${images[role]}`);
}

/** Cluster-wide settings for builder Jobs. */
export interface BuilderJobOptions {
  /**
   * Namespace of builder Jobs. Builds run user code (RUN steps), so they get their own
   * namespace, away from the control plane's. @defaultValue "qs-builds"
   */
  readonly namespace?: string;
  /** @defaultValue DEFAULT_BUILDER_IMAGES */
  readonly images?: Partial<BuilderImages>;
  /**
   * Secret of type kubernetes.io/dockerconfigjson in `namespace` with push rights to the
   * registry; mounted as the builder's docker config. @defaultValue "qs-registry-push"
   */
  readonly registrySecret?: string;
  /** The in-cluster registry speaks plain HTTP. @defaultValue false */
  readonly insecureRegistry?: boolean;
  /** Build timeout; the Job's activeDeadlineSeconds. @defaultValue 900 */
  readonly timeoutSeconds?: number;
  /** Finished Jobs are garbage-collected after this. @defaultValue 600 */
  readonly ttlSecondsAfterFinished?: number;
  /** Builder container resources. @defaultValue requests 500m/1Gi, limits 2 CPU/4Gi */
  readonly resources?: ResourceRequirements;
  /** Size limit of the emptyDir holding the context and layers. @defaultValue "10Gi" */
  readonly workspaceSizeLimit?: string;
  /**
   * `ephemeral-storage` limit of the builder container: Kaniko unpacks base images and
   * snapshots into its own root filesystem, so without it a large build can fill the
   * node's disk. The kubelet evicts a build pod past it. @defaultValue "10Gi"
   */
  readonly ephemeralStorageLimit?: string;
  /** Pins builds to some nodes (e.g. a bigger one). @defaultValue undefined */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * A pull-through mirror for docker.io, where the base images of generated Dockerfiles
   * come from: `https://host[:port]`, or `http://host[:port]` for one that speaks plain
   * HTTP (trusted for that host only). @defaultValue undefined (pull from docker.io)
   */
  readonly registryMirror?: string;
  /**
   * Package mirrors for install steps (see stacks/mirrors.ts), handed to every build as
   * build args named after their settings (`--build-arg=QS_BUILD_NPM_REGISTRY=…`), which
   * generated Dockerfiles declare and a repository's own may. @defaultValue {} (no build args)
   */
  readonly mirrors?: BuildMirrors;
}

/** A registry mirror as the builders name it: its host and whether it is plain HTTP. */
export interface RegistryMirror {
  readonly host: string;
  readonly insecure: boolean;
}

/** Parses a registry mirror URL (`http(s)://host[:port]`); throws ConfigError otherwise. */
export function parseRegistryMirror(url: string): RegistryMirror {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // Kaniko's --registry-mirror and buildkitd's mirrors take a host, not a path.
  if (
    parsed === undefined ||
    !["http:", "https:"].includes(parsed.protocol) ||
    parsed.pathname !== "/" ||
    parsed.search !== "" ||
    parsed.username !== "" ||
    parsed.password !== ""
  ) {
    throw new ConfigError([
      `registry mirror ${JSON.stringify(url)}: expected http://host[:port] or https://host[:port], without a path or credentials`,
    ]);
  }
  return { host: parsed.host, insecure: parsed.protocol === "http:" };
}

/** Options with every default filled in. */
export type ResolvedBuilderJobOptions = Required<
  Omit<BuilderJobOptions, "nodeSelector" | "images" | "registryMirror" | "mirrors">
> & {
  readonly images: BuilderImages;
  readonly nodeSelector: Readonly<Record<string, string>> | undefined;
  /** The mirror URL, checked (resolved options are valid options too). */
  readonly registryMirror: string | undefined;
  /** The package mirrors, checked (kept so that resolved options resolve to themselves). */
  readonly mirrors: BuildMirrors;
  /** Their build args, by name. */
  readonly buildArgs: Readonly<Record<string, string>>;
};

/** Fills the defaults of BuilderJobOptions; throws ConfigError for a malformed mirror (registry or package). */
export function resolveBuilderJobOptions(
  options: BuilderJobOptions = {},
): ResolvedBuilderJobOptions {
  if (options.registryMirror !== undefined) parseRegistryMirror(options.registryMirror);
  return {
    namespace: options.namespace ?? "qs-builds",
    images: { ...DEFAULT_BUILDER_IMAGES, ...options.images },
    registrySecret: options.registrySecret ?? "qs-registry-push",
    insecureRegistry: options.insecureRegistry ?? false,
    timeoutSeconds: options.timeoutSeconds ?? 900,
    ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? 600,
    resources: options.resources ?? {
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { cpu: "2", memory: "4Gi" },
    },
    workspaceSizeLimit: options.workspaceSizeLimit ?? "10Gi",
    ephemeralStorageLimit: options.ephemeralStorageLimit ?? "10Gi",
    nodeSelector: options.nodeSelector,
    registryMirror: options.registryMirror,
    mirrors: options.mirrors ?? {},
    buildArgs: mirrorBuildArgs(options.mirrors),
  };
}

/** The builder container's resources with the ephemeral-storage limit added. */
export function builderResources(options: ResolvedBuilderJobOptions): ResourceRequirements {
  return {
    ...options.resources,
    limits: { ...options.resources.limits, "ephemeral-storage": options.ephemeralStorageLimit },
  };
}

/** The registry host of an image reference (`registry:5000/app:tag` → `registry:5000`). */
export function registryHostOf(image: string): string {
  return parseImageReference(image).domain ?? "docker.io";
}

/** One build to run: what to build and where to push it. */
export interface BuildJobInput {
  readonly app: string;
  /** Short unique id of this build (a DNS-1123 label). */
  readonly buildId: string;
  readonly gitSha: string;
  /** `registry/app:<sha>` as the cluster reaches the registry. */
  readonly destination: string;
  /** Repository for the layer cache, e.g. `registry/app/cache`. */
  readonly cacheRepo: string;
  /** The one-time context download (in-cluster URL with its token) and its sha256. */
  readonly context: { readonly url: string; readonly sha256: string };
  /** The repository's own Dockerfile (path in the tree), or one generated by QuickStack. */
  readonly dockerfile: { readonly path: string } | { readonly generated: string };
}
