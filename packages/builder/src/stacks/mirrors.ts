import { ConfigError } from "@qs/core";

/**
 * Build-time package mirrors: where the install steps of generated Dockerfiles get
 * packages when the builders cannot (or should not) reach the public registries — a
 * proxy, a private registry, an air gap. Installation-wide (QS_BUILD_* settings); each
 * set one reaches the build as a build arg of the same name, which generated Dockerfiles
 * declare and hand to every install step, and which a repository's own Dockerfile may
 * declare too (`ARG QS_BUILD_PYPI_INDEX`). Unset, the Dockerfiles are exactly as without
 * mirrors and use the tools' own defaults.
 *
 * No credentials: build args are in the builder pod's spec and in the image's history,
 * so a URL with `user:password@` is refused; a mirror for builds must answer the cluster
 * without them (a pull-through cache inside the network, or one that trusts its clients).
 */
export interface BuildMirrors {
  /**
   * npm registry for npm, corepack (which fetches pnpm and Yarn), pnpm and Yarn:
   * `https://npm.example.internal/`. It replaces the default registry and an unscoped
   * `registry=` of the app's .npmrc (npm's environment outranks it); scoped registries stay.
   */
  readonly npmRegistry?: string;
  /**
   * PEP 503 simple index for pip, uv and Poetry (their own installs and the app's):
   * `https://pypi.example.internal/simple/`.
   */
  readonly pypiIndex?: string;
  /**
   * Debian archive mirror for apt (tini, Aptfile packages): the URL that replaces the
   * scheme and host of every source, so it serves the archive's own paths below it
   * (`debian/`, `debian-security/`), as a Debian mirror or apt-cacher-ng does.
   */
  readonly aptMirror?: string;
  /** Alpine mirror for apk (tini in Go images), replacing scheme and host likewise (`alpine/v3.22/main`). */
  readonly apkMirror?: string;
  /**
   * Go module proxy (GOPROXY protocol) for `go mod download` and for the toolchains
   * GOTOOLCHAIN fetches: `https://goproxy.example.internal/`. It is the only source (no
   * `direct` fallback). Modules in go.sum are checked against it; others are checked with
   * the checksum database, which the go command asks through the proxy first.
   */
  readonly goProxy?: string;
}

/** The setting (and build arg) of each mirror. */
export const MIRROR_SETTINGS = {
  npmRegistry: "QS_BUILD_NPM_REGISTRY",
  pypiIndex: "QS_BUILD_PYPI_INDEX",
  aptMirror: "QS_BUILD_APT_MIRROR",
  apkMirror: "QS_BUILD_APK_MIRROR",
  goProxy: "QS_BUILD_GOPROXY",
} as const satisfies Record<keyof BuildMirrors, string>;

/**
 * Build arg with the mirror's host when it speaks plain HTTP: pip and Yarn refuse an
 * http:// index unless its host is named (PIP_TRUSTED_HOST, YARN_UNSAFE_HTTP_WHITELIST).
 */
const httpHostArg = (setting: string): string => `${setting}_HTTP_HOST`;

/**
 * What a mirror URL may hold: it is expanded inside double quotes in RUN lines and used as
 * a sed replacement, so nothing a shell or sed would read specially (`$ " \ # & '` …).
 */
const SAFE_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%+/-]*)?$/;

/**
 * Why `value` is not a usable mirror URL for `setting`, or undefined when it is. Shared by
 * the config reader and `checkBuildMirrors`, so both say the same.
 */
export function mirrorUrlProblem(setting: string, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${setting}=${JSON.stringify(value)}: not a URL; expected http(s)://host[:port][/path]`;
  }
  if (url.username !== "" || url.password !== "") {
    return `${setting}: the URL carries credentials (user:password@), which would be readable in the builder pod's spec and the image history; use a mirror the cluster may read without them`;
  }
  if (!["http:", "https:"].includes(url.protocol)) {
    return `${setting}=${JSON.stringify(value)}: expected an http:// or https:// URL`;
  }
  if (url.search !== "" || url.hash !== "" || !SAFE_URL.test(value)) {
    return `${setting}=${JSON.stringify(value)}: expected http(s)://host[:port][/path] with no query, fragment, or characters other than letters, digits and . _ ~ % + - /`;
  }
  return undefined;
}

/** The mirrors, checked; throws ConfigError naming each bad one (nothing is half-applied). */
export function checkBuildMirrors(mirrors: BuildMirrors = {}): BuildMirrors {
  const problems = (Object.keys(MIRROR_SETTINGS) as (keyof BuildMirrors)[]).flatMap((key) => {
    const value = mirrors[key];
    const problem =
      value === undefined ? undefined : mirrorUrlProblem(MIRROR_SETTINGS[key], value);
    return problem === undefined ? [] : [problem];
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return mirrors;
}

/** The host of an http:// mirror, or undefined for https:// or none. */
function httpHost(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === "http:" ? parsed.hostname : undefined;
}

/** The build args for `mirrors` (checked), by name: empty when none is set. */
export function mirrorBuildArgs(mirrors: BuildMirrors = {}): Record<string, string> {
  checkBuildMirrors(mirrors);
  const args: Record<string, string> = {};
  for (const key of Object.keys(MIRROR_SETTINGS) as (keyof BuildMirrors)[]) {
    const value = mirrors[key];
    if (value === undefined) continue;
    args[MIRROR_SETTINGS[key]] = value;
    const host = httpHost(value);
    if (host !== undefined && (key === "npmRegistry" || key === "pypiIndex"))
      args[httpHostArg(MIRROR_SETTINGS[key])] = host;
  }
  return args;
}

/**
 * ARG lines of a Node stage whose installs go through the npm mirror: the tools read
 * their registry from the environment, which ARG gives every later RUN of the stage
 * (and not the image: ARG values do not persist into its config).
 */
export function npmMirrorArgs(
  mirrors: BuildMirrors,
  tools: { corepack: boolean; yarnBerry: boolean },
): string[] {
  if (mirrors.npmRegistry === undefined) return [];
  const arg = MIRROR_SETTINGS.npmRegistry;
  const http = httpHost(mirrors.npmRegistry) !== undefined;
  return [
    `ARG ${arg}`,
    // npm, pnpm and Yarn 1 read npm_config_* from the environment (case-insensitively).
    `ARG NPM_CONFIG_REGISTRY=\${${arg}}`,
    // corepack downloads pnpm and Yarn from this registry (Yarn 2+ as @yarnpkg/cli-dist).
    ...(tools.corepack ? [`ARG COREPACK_NPM_REGISTRY=\${${arg}}`] : []),
    ...(tools.yarnBerry ? [`ARG YARN_NPM_REGISTRY_SERVER=\${${arg}}`] : []),
    ...(tools.yarnBerry && http
      ? [`ARG ${httpHostArg(arg)}`, `ARG YARN_UNSAFE_HTTP_WHITELIST=\${${httpHostArg(arg)}}`]
      : []),
  ];
}

/** ARG lines of a Python build stage whose pip (and uv) installs use the index mirror. */
export function pypiMirrorArgs(mirrors: BuildMirrors, uv: boolean): string[] {
  if (mirrors.pypiIndex === undefined) return [];
  const arg = MIRROR_SETTINGS.pypiIndex;
  const http = httpHost(mirrors.pypiIndex) !== undefined;
  return [
    `ARG ${arg}`,
    `ARG PIP_INDEX_URL=\${${arg}}`,
    // pip ignores a plain-HTTP index whose host is not trusted.
    ...(http ? [`ARG ${httpHostArg(arg)}`, `ARG PIP_TRUSTED_HOST=\${${httpHostArg(arg)}}`] : []),
    ...(uv ? [`ARG UV_DEFAULT_INDEX=\${${arg}}`] : []),
  ];
}

/**
 * Replaces scheme and host of every URL in `files` (found by `find`) with the mirror's
 * `setting`, keeping the archive's path: `http://<archive host>/debian` becomes
 * `<mirror>/debian`. The package signatures are still checked against the image's keys.
 */
function rewriteSources(setting: string, find: string): string {
  return `${find} -exec sed -i -E "s#https?://[^/[:space:]]+/?#\${${setting}%/}/#" {} + && `;
}

/** Lines before an apt-get install: the ARG and the start of the RUN (empty without a mirror). */
export function aptMirror(mirrors: BuildMirrors): { args: string[]; prefix: string } {
  if (mirrors.aptMirror === undefined) return { args: [], prefix: "" };
  const arg = MIRROR_SETTINGS.aptMirror;
  return {
    args: [`ARG ${arg}`],
    prefix: rewriteSources(
      arg,
      "find /etc/apt -maxdepth 2 -type f \\( -name '*.list' -o -name '*.sources' \\)",
    ),
  };
}

/** The same for apk (Alpine's /etc/apk/repositories). */
export function apkMirror(mirrors: BuildMirrors): { args: string[]; prefix: string } {
  if (mirrors.apkMirror === undefined) return { args: [], prefix: "" };
  const arg = MIRROR_SETTINGS.apkMirror;
  return {
    args: [`ARG ${arg}`],
    prefix: rewriteSources(arg, "find /etc/apk/repositories"),
  };
}

/** ARG lines of a Go build stage whose module and toolchain downloads use the proxy. */
export function goProxyArgs(mirrors: BuildMirrors): string[] {
  if (mirrors.goProxy === undefined) return [];
  const arg = MIRROR_SETTINGS.goProxy;
  return [`ARG ${arg}`, `ARG GOPROXY=\${${arg}}`];
}

/** A fact line for the build output naming the mirrors a Dockerfile uses. */
export function mirrorFact(mirrors: BuildMirrors, used: readonly (keyof BuildMirrors)[]): string[] {
  const set = used.filter((k) => mirrors[k] !== undefined).map((k) => MIRROR_SETTINGS[k]);
  return set.length === 0 ? [] : [`package mirrors: ${set.join(", ")}`];
}
