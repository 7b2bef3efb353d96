import { parseImageReference } from "@qs/core";
import type { BuildMirrors } from "./mirrors.ts";

/**
 * Base images for generated Dockerfiles: official images by release line (`node:24-…`),
 * never `latest`. A line tag always exists while its release is supported and moves to
 * each security patch; install.sh pins every one by digest on the server (QS_BASE_IMAGES,
 * as it pins the builder images), so builds use exactly what was pulled at install and a
 * re-run of install.sh moves to the newest patch. Overridable through `StackOptions`.
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
  /**
   * Single-page apps are served by nginx (official image, stable line): busybox httpd can
   * only answer a deep link with index.html as its 404 page, nginx answers it with 200.
   */
  readonly spa: string;
}

/** The default images: the supported release lines on BASE_IMAGES_CHOSEN_ON. */
export const DEFAULT_BASE_IMAGES: BaseImages = {
  node: {
    "22": "docker.io/library/node:22-trixie-slim",
    "24": "docker.io/library/node:24-trixie-slim",
    "26": "docker.io/library/node:26-trixie-slim",
  },
  python: {
    "3.11": "docker.io/library/python:3.11-slim-trixie",
    "3.12": "docker.io/library/python:3.12-slim-trixie",
    "3.13": "docker.io/library/python:3.13-slim-trixie",
    "3.14": "docker.io/library/python:3.14-slim-trixie",
    "3.15": "docker.io/library/python:3.15-slim-trixie",
  },
  // Go supports its two newest releases; newer go.mod directives get their toolchain
  // through GOTOOLCHAIN (see go.ts).
  go: {
    "1.26": "docker.io/library/golang:1.26-trixie",
    "1.27": "docker.io/library/golang:1.27-trixie",
  },
  goRuntime: "docker.io/library/alpine:3.22",
  static: "docker.io/library/busybox:1.37.0",
  spa: "docker.io/library/nginx:1.30-trixie",
};

/** The day DEFAULT_BASE_IMAGES was last reviewed against RUNTIME_END_OF_LIFE. */
export const BASE_IMAGES_CHOSEN_ON = "2026-12-03";

/**
 * End of upstream support per release line (ISO dates): nodejs.org release schedule,
 * Python's PEPs (five years after x.y.0), Go's policy (a release is supported until the
 * second newer one, expected each February and August), Alpine (two years), nginx (a
 * stable line until the next one, each April; its fixes stop then).
 */
export const RUNTIME_END_OF_LIFE = {
  node: { "20": "2026-04-30", "22": "2027-04-30", "24": "2028-04-30", "26": "2029-04-30" },
  python: {
    "3.10": "2026-10-31",
    "3.11": "2027-10-31",
    "3.12": "2028-10-31",
    "3.13": "2029-10-31",
    "3.14": "2030-10-31",
    "3.15": "2031-10-31",
  },
  go: {
    "1.24": "2026-02-11",
    "1.25": "2026-08-12",
    "1.26": "2027-02-28",
    "1.27": "2027-08-31",
  },
  alpine: { "3.21": "2026-11-01", "3.22": "2027-05-01" },
  nginx: { "1.28": "2026-04-30", "1.30": "2027-04-30" },
} as const satisfies Record<string, Record<string, string>>;

/**
 * The runtimes of `images` that are past their end of life (or have none known) on
 * `date` (YYYY-MM-DD), as `node 20 (end of life 2026-04-30)`.
 */
export function runtimesPastEndOfLife(images: BaseImages, date: string): string[] {
  const table: Record<string, Readonly<Record<string, string>>> = RUNTIME_END_OF_LIFE;
  const lines: [string, string][] = [
    ...Object.keys(images.node).map((v): [string, string] => ["node", v]),
    ...Object.keys(images.python).map((v): [string, string] => ["python", v]),
    ...Object.keys(images.go).map((v): [string, string] => ["go", v]),
    ["alpine", /:(\d+\.\d+)/.exec(images.goRuntime)?.[1] ?? "?"],
    ["nginx", /:(\d+\.\d+)/.exec(images.spa)?.[1] ?? "?"],
  ];
  return lines.flatMap(([runtime, version]) => {
    const eol = table[runtime]?.[version];
    if (eol === undefined) return [`${runtime} ${version} (no end-of-life date known)`];
    return eol < date ? [`${runtime} ${version} (end of life ${eol})`] : [];
  });
}

/** Versions chosen when the app does not say. */
export const DEFAULT_VERSIONS = {
  /** The current LTS line. */
  node: "24",
  /** The newest release with wheels for most packages (3.15 is offered when asked for). */
  python: "3.14",
  go: "1.27",
} as const;

/**
 * Tool versions installed inside generated images (pinned for repeatable builds).
 * corepack: Node 25+ no longer ships it, and the one in older images predates npm's
 * signing-key rotation ("Cannot find matching keyid"), so it is installed from npm.
 */
export const TOOL_VERSIONS = {
  uv: "0.13.8",
  poetry: "2.5.1",
  /** Poetry 2 no longer bundles `poetry export`, used to install through a PyPI mirror. */
  poetryExport: "1.10.1",
  corepack: "0.36.0",
} as const;

/** The port generated images listen on unless the platform sets PORT. */
export const DEFAULT_PORT = 5000;

/** Options for Dockerfile generation. */
export interface StackOptions {
  /** Overrides merged over DEFAULT_BASE_IMAGES. @defaultValue DEFAULT_BASE_IMAGES */
  readonly images?: Partial<BaseImages>;
  /**
   * Digest-pinned references (`name:tag@sha256:…`, install.sh's QS_BASE_IMAGES): each
   * replaces the image of the same `name:tag`. @defaultValue []
   */
  readonly pinned?: readonly string[];
  /**
   * Package mirrors the install steps use (mirrors.ts); their values reach the build as
   * build args. @defaultValue {} (the tools' own registries, Dockerfiles as without)
   */
  readonly mirrors?: BuildMirrors;
}

/** DEFAULT_BASE_IMAGES with the overrides and pins applied. */
export function resolveImages(options: StackOptions = {}): BaseImages {
  const o = options.images ?? {};
  const pins = new Map<string, string>();
  for (const ref of options.pinned ?? []) {
    const at = ref.indexOf("@");
    if (at > 0 && parseImageReference(ref).digest !== undefined) pins.set(ref.slice(0, at), ref);
  }
  const pin = (image: string): string => pins.get(image) ?? image;
  const pinAll = (m: Readonly<Record<string, string>>): Record<string, string> =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, pin(v)]));
  return {
    node: pinAll({ ...DEFAULT_BASE_IMAGES.node, ...o.node }),
    python: pinAll({ ...DEFAULT_BASE_IMAGES.python, ...o.python }),
    go: pinAll({ ...DEFAULT_BASE_IMAGES.go, ...o.go }),
    goRuntime: pin(o.goRuntime ?? DEFAULT_BASE_IMAGES.goRuntime),
    static: pin(o.static ?? DEFAULT_BASE_IMAGES.static),
    spa: pin(o.spa ?? DEFAULT_BASE_IMAGES.spa),
  };
}

/** Every image of DEFAULT_BASE_IMAGES, once each (what install.sh pins). */
export function baseImageList(images: BaseImages = DEFAULT_BASE_IMAGES): string[] {
  return [
    ...new Set([
      ...Object.values(images.node),
      ...Object.values(images.python),
      ...Object.values(images.go),
      images.goRuntime,
      images.static,
      images.spa,
    ]),
  ];
}
