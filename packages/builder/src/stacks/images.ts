/**
 * Base images for generated Dockerfiles. Official images pinned to an exact tag.
 *
 * Why no digests: a digest can only be stated honestly after pulling the image, and this
 * machine cannot reach an image registry. Every entry can be overridden (a tag or
 * `name:tag@sha256:…`) through `StackOptions.images`, which the composition root fills
 * from configuration, so an operator can pin digests for their cluster.
 */
export interface BaseImages {
  /** Node major → image. */
  readonly node: Readonly<Record<string, string>>;
  /** Python `major.minor` → image. */
  readonly python: Readonly<Record<string, string>>;
  /** Go `major.minor` → builder image. */
  readonly go: Readonly<Record<string, string>>;
  /** Runtime for Go binaries: small, with /bin/sh for Procfile commands. */
  readonly goRuntime: string;
  /** Static sites are served by busybox httpd: tiny, runs as any user on any port. */
  readonly static: string;
}

/** The default images. */
export const DEFAULT_BASE_IMAGES: BaseImages = {
  node: {
    "20": "docker.io/library/node:20.18.1-bookworm-slim",
    "22": "docker.io/library/node:22.12.0-bookworm-slim",
    "24": "docker.io/library/node:24.11.0-bookworm-slim",
  },
  python: {
    "3.11": "docker.io/library/python:3.11.11-slim-bookworm",
    "3.12": "docker.io/library/python:3.12.8-slim-bookworm",
    "3.13": "docker.io/library/python:3.13.1-slim-bookworm",
  },
  go: {
    "1.22": "docker.io/library/golang:1.22.10-bookworm",
    "1.23": "docker.io/library/golang:1.23.4-bookworm",
  },
  goRuntime: "docker.io/library/alpine:3.21.0",
  static: "docker.io/library/busybox:1.37.0",
};

/** Versions chosen when the app does not say. */
export const DEFAULT_VERSIONS = { node: "22", python: "3.12", go: "1.23" } as const;

/** Tool versions installed inside generated images (pinned for repeatable builds). */
export const TOOL_VERSIONS = { uv: "0.5.11", poetry: "1.8.5" } as const;

/** The port generated images listen on unless the platform sets PORT. */
export const DEFAULT_PORT = 5000;

/** Options for Dockerfile generation. */
export interface StackOptions {
  /** Overrides merged over DEFAULT_BASE_IMAGES. @defaultValue DEFAULT_BASE_IMAGES */
  readonly images?: Partial<BaseImages>;
}

/** DEFAULT_BASE_IMAGES with the overrides applied. */
export function resolveImages(options: StackOptions = {}): BaseImages {
  const o = options.images ?? {};
  return {
    node: { ...DEFAULT_BASE_IMAGES.node, ...o.node },
    python: { ...DEFAULT_BASE_IMAGES.python, ...o.python },
    go: { ...DEFAULT_BASE_IMAGES.go, ...o.go },
    goRuntime: o.goRuntime ?? DEFAULT_BASE_IMAGES.goRuntime,
    static: o.static ?? DEFAULT_BASE_IMAGES.static,
  };
}
