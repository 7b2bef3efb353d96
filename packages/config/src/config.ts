import { ConfigError, parseImageReference } from "@qs/core";

/** The control plane's configuration, parsed once from QS_* variables and frozen. */
export interface QsConfig {
  /** `development` gives readable logs and dev defaults; `production` JSON logs. */
  readonly env: "development" | "production";
  readonly logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  readonly logFormat: "json" | "pretty";
  /** Where bare repos, the SSH host key and build contexts live. */
  readonly dataDir: string;
  readonly http: { readonly host: string; readonly port: number };
  readonly ssh: { readonly host: string; readonly port: number; readonly publicHost: string };
  readonly redisUrl: string;
  /** Path of a kubeconfig (QS_KUBECONFIG, else KUBECONFIG). */
  readonly kubeconfig: string | undefined;
  /** Running in a pod with a service account (KUBERNETES_SERVICE_HOST is set). */
  readonly inCluster: boolean;
  /** Namespace the control plane itself runs in. */
  readonly systemNamespace: string;
  /** Apps get `<app>.<baseDomain>` as their default domain. */
  readonly baseDomain: string;
  /**
   * Scheme of the app URLs QuickStack prints (apps:create, apps:info, the push): `https`
   * where cert-manager issues certificates, `http` in development, which has no TLS.
   */
  readonly appScheme: "http" | "https";
  /** Public base URL of the HTTP side (status page, smart HTTP). */
  readonly publicUrl: string;
  /** OpenSSH public key of the first admin, used when no user exists yet. */
  readonly adminSshKey: string | undefined;
  /** Base32 TOTP secret the installer enrolled for the first admin (set with the key). */
  readonly adminTotpSecret: string | undefined;
  readonly shutdownGraceSeconds: number;
  readonly build: {
    readonly concurrency: number;
    readonly timeoutSeconds: number;
    readonly builder: "kaniko" | "buildkit";
    readonly keepImages: number;
    /** Where the one-time build-context server listens, and the URL builder pods fetch from. */
    readonly contextHost: string;
    readonly contextPort: number;
    readonly contextUrl: string;
    /**
     * Builder images; unset ones use the build package's defaults (exact tags). The
     * installer sets all three pinned by digest (`name:tag@sha256:…`).
     */
    readonly images: { readonly kaniko?: string; readonly buildkit?: string; readonly fetch?: string };
    /**
     * Base images of generated Dockerfiles pinned by the installer (`name:tag@sha256:…`);
     * each replaces the default of the same `name:tag`. Entries without a digest pin nothing.
     */
    readonly baseImages: readonly string[];
    /**
     * Pull-through mirror for docker.io base images (`http(s)://host[:port]`), handed to
     * the builders; unset pulls from docker.io.
     */
    readonly registryMirror: string | undefined;
    /**
     * Package mirrors for the install steps of builds (QS_BUILD_NPM_REGISTRY, …_PYPI_INDEX,
     * …_APT_MIRROR, …_APK_MIRROR, …_GOPROXY), handed to builds as build args of the same names;
     * unset ones are left out (the tools' public defaults).
     */
    readonly mirrors: {
      readonly npmRegistry?: string;
      readonly pypiIndex?: string;
      readonly aptMirror?: string;
      readonly apkMirror?: string;
      readonly goProxy?: string;
    };
  };
  readonly maxPushBytes: number;
  readonly registry: {
    readonly url: string;
    readonly username: string | undefined;
    readonly password: string | undefined;
    /** The registry as pods and nodes name it in image references (host:port). */
    readonly host: string;
  };
  readonly require2fa: boolean;
  readonly maxScale: number;
  /** Add-on image per `kind:major` (QS_ADDON_IMAGES), replacing the pinned official one. */
  readonly addonImages: Readonly<Record<string, string>>;
  /** The restic image backup Jobs run (QS_BACKUP_IMAGE); undefined = restic's own, pinned. */
  readonly backupImage: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Every QS_* variable with its default, as documented in `qs.env.example`. */
export const CONFIG_VARIABLES = [
  "QS_ENV",
  "QS_LOG_LEVEL",
  "QS_LOG_FORMAT",
  "QS_DATA_DIR",
  "QS_HTTP_HOST",
  "QS_HTTP_PORT",
  "QS_SSH_HOST",
  "QS_SSH_PORT",
  "QS_SSH_PUBLIC_HOST",
  "QS_REDIS_URL",
  "QS_KUBECONFIG",
  "QS_SYSTEM_NAMESPACE",
  "QS_BASE_DOMAIN",
  "QS_PUBLIC_URL",
  "QS_ADMIN_SSH_KEY",
  "QS_SHUTDOWN_GRACE_SECONDS",
  "QS_BUILD_CONCURRENCY",
  "QS_BUILD_TIMEOUT_SECONDS",
  "QS_BUILDER",
  "QS_BUILDER_KANIKO_IMAGE",
  "QS_BUILDER_BUILDKIT_IMAGE",
  "QS_BUILDER_FETCH_IMAGE",
  "QS_BASE_IMAGES",
  "QS_BUILDER_REGISTRY_MIRROR",
  "QS_BUILD_NPM_REGISTRY",
  "QS_BUILD_PYPI_INDEX",
  "QS_BUILD_APT_MIRROR",
  "QS_BUILD_APK_MIRROR",
  "QS_BUILD_GOPROXY",
  "QS_KEEP_IMAGES",
  "QS_MAX_PUSH_BYTES",
  "QS_REGISTRY_URL",
  "QS_REGISTRY_USERNAME",
  "QS_REGISTRY_PASSWORD",
  "QS_REQUIRE_2FA",
  "QS_MAX_SCALE",
  "QS_BUILD_CONTEXT_HOST",
  "QS_BUILD_CONTEXT_PORT",
  "QS_BUILD_CONTEXT_URL",
  "QS_REGISTRY_HOST",
  "QS_ADMIN_TOTP_SECRET",
  "QS_ADDON_IMAGES",
  "QS_BACKUP_IMAGE",
] as const;

/**
 * Parses the environment into a frozen QsConfig. Every problem is collected and thrown
 * together as one ConfigError naming each variable and the form it expects.
 */
export function loadConfig(env: Env = process.env): QsConfig {
  const problems: string[] = [];
  for (const key of Object.keys(env)) {
    if (
      key.startsWith("QS_") &&
      !key.startsWith("QS_TEST_") &&
      !(CONFIG_VARIABLES as readonly string[]).includes(key)
    ) {
      problems.push(`${key} is not a QuickStack variable (see qs.env.example for the list)`);
    }
  }
  const read = new Reader(env, problems);
  const qsEnv = read.oneOf("QS_ENV", ["production", "development"] as const, "production");
  const dev = qsEnv === "development";
  const httpPort = read.port("QS_HTTP_PORT", 8080);
  const publicHost = read.string("QS_SSH_PUBLIC_HOST", "localhost");
  const baseDomain = read.hostname("QS_BASE_DOMAIN", "localhost");
  const registryUrl = read.url("QS_REGISTRY_URL", "http://registry.qs-system.svc:5000", [
    "http:",
    "https:",
  ]);
  const config: QsConfig = {
    env: qsEnv,
    logLevel: read.oneOf(
      "QS_LOG_LEVEL",
      ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const,
      "info",
    ),
    logFormat: read.oneOf("QS_LOG_FORMAT", ["json", "pretty"] as const, dev ? "pretty" : "json"),
    dataDir: read.path("QS_DATA_DIR", "/var/lib/quickstack"),
    http: { host: read.string("QS_HTTP_HOST", "0.0.0.0"), port: httpPort },
    ssh: {
      host: read.string("QS_SSH_HOST", "0.0.0.0"),
      port: read.port("QS_SSH_PORT", 2222),
      publicHost,
    },
    redisUrl: read.url("QS_REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]),
    kubeconfig: read.optional("QS_KUBECONFIG") ?? (env.KUBECONFIG || undefined),
    inCluster: (env.KUBERNETES_SERVICE_HOST ?? "") !== "",
    systemNamespace: read.dnsLabel("QS_SYSTEM_NAMESPACE", "qs-system"),
    baseDomain,
    appScheme: dev ? "http" : "https",
    publicUrl: read.url("QS_PUBLIC_URL", `http://localhost:${httpPort}`, ["http:", "https:"]),
    adminSshKey: read.sshKey("QS_ADMIN_SSH_KEY"),
    adminTotpSecret: read.base32("QS_ADMIN_TOTP_SECRET"),
    shutdownGraceSeconds: read.int("QS_SHUTDOWN_GRACE_SECONDS", 30, 0, 3600),
    build: {
      concurrency: read.int("QS_BUILD_CONCURRENCY", 2, 1, 64),
      timeoutSeconds: read.int("QS_BUILD_TIMEOUT_SECONDS", 900, 10, 6 * 3600),
      builder: read.oneOf("QS_BUILDER", ["kaniko", "buildkit"] as const, "kaniko"),
      keepImages: read.int("QS_KEEP_IMAGES", 5, 1, 1000),
      contextHost: read.string("QS_BUILD_CONTEXT_HOST", "0.0.0.0"),
      contextPort: read.port("QS_BUILD_CONTEXT_PORT", 8081),
      contextUrl: read.url(
        "QS_BUILD_CONTEXT_URL",
        "http://quickstack-build-context.qs-system.svc:8081",
        ["http:", "https:"],
      ),
      images: dropUndefined({
        kaniko: read.image("QS_BUILDER_KANIKO_IMAGE"),
        buildkit: read.image("QS_BUILDER_BUILDKIT_IMAGE"),
        fetch: read.image("QS_BUILDER_FETCH_IMAGE"),
      }),
      baseImages: read.imageList("QS_BASE_IMAGES"),
      registryMirror: read.registryHostUrl("QS_BUILDER_REGISTRY_MIRROR"),
      mirrors: dropUndefined({
        npmRegistry: read.mirrorUrl("QS_BUILD_NPM_REGISTRY"),
        pypiIndex: read.mirrorUrl("QS_BUILD_PYPI_INDEX"),
        aptMirror: read.mirrorUrl("QS_BUILD_APT_MIRROR"),
        apkMirror: read.mirrorUrl("QS_BUILD_APK_MIRROR"),
        goProxy: read.mirrorUrl("QS_BUILD_GOPROXY"),
      }),
    },
    // 200 MiB: a bigger push would strain a small VPS's disk and memory (see @qs/git).
    maxPushBytes: read.bytes("QS_MAX_PUSH_BYTES", 200 * 1024 ** 2),
    registry: {
      url: registryUrl,
      username: read.optional("QS_REGISTRY_USERNAME"),
      password: read.optional("QS_REGISTRY_PASSWORD"),
      host: read.string("QS_REGISTRY_HOST", new URL(registryUrl).host),
    },
    require2fa: read.bool("QS_REQUIRE_2FA", true),
    maxScale: read.int("QS_MAX_SCALE", 50, 1, 1000),
    addonImages: addonImages(env.QS_ADDON_IMAGES, problems),
    backupImage: read.image("QS_BACKUP_IMAGE"),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** `postgres:15=registry/postgres:15@sha256:…,redis:7=…`: each key a kind and major version. */
function addonImages(raw: string | undefined, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (raw ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const eq = entry.indexOf("=");
    const key = entry.slice(0, eq);
    const image = entry.slice(eq + 1);
    if (eq < 0 || !/^(postgres|redis|mariadb|mongodb):\d+(\.\d+)?$/.test(key)) {
      problems.push(`QS_ADDON_IMAGES: ${JSON.stringify(entry)} is not kind:major=image (kinds: postgres, redis, mariadb, mongodb)`);
      continue;
    }
    try {
      parseImageReference(image);
      out[key] = image;
    } catch (err) {
      problems.push(`QS_ADDON_IMAGES: ${JSON.stringify(image)}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** The object without its undefined fields (so that unset settings compare equal to {}). */
function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

class Reader {
  private readonly env: Env;
  private readonly problems: string[];
  constructor(env: Env, problems: string[]) {
    this.env = env;
    this.problems = problems;
  }

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === "" ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}=${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`);
    return fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.problems.push(
        `${name}=${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`,
      );
      return fallback;
    }
    return n;
  }

  port(name: string, fallback: number): number {
    return this.int(name, fallback, 0, 65535);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (["true", "1", "yes"].includes(value)) return true;
    if (["false", "0", "no"].includes(value)) return false;
    this.problems.push(`${name}=${JSON.stringify(value)}: expected true or false`);
    return fallback;
  }

  url(name: string, fallback: string, protocols: readonly string[]): string {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    try {
      const url = new URL(value);
      if (protocols.includes(url.protocol)) return value;
    } catch {
      // reported below
    }
    this.problems.push(
      `${name}: expected a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    );
    return fallback;
  }

  /** `http(s)://host[:port]` with no path or credentials (a registry mirror); undefined when unset. */
  registryHostUrl(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (
        ["http:", "https:"].includes(url.protocol) &&
        url.pathname === "/" &&
        url.search === "" &&
        url.username === "" &&
        url.password === ""
      ) {
        return value;
      }
    } catch {
      // reported below
    }
    this.problems.push(
      `${name}=${JSON.stringify(value)}: expected http://host[:port] or https://host[:port] (the mirror's address, no path)`,
    );
    return undefined;
  }

  /**
   * A package mirror for builds: http(s)://host[:port][/path], no credentials (build args
   * are readable in the builder pod's spec and the image history), no query or fragment,
   * and no character a shell or sed would read specially (it is expanded in RUN lines).
   * The same rule as @qs/builder's mirrorUrlProblem.
   */
  mirrorUrl(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url !== undefined && (url.username !== "" || url.password !== "")) {
      this.problems.push(
        `${name}: the URL carries credentials (user:password@), which would be readable in the builder pod's spec and the image history; use a mirror the cluster may read without them`,
      );
      return undefined;
    }
    if (
      url === undefined ||
      url.search !== "" ||
      url.hash !== "" ||
      !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%+/-]*)?$/.test(value)
    ) {
      this.problems.push(
        `${name}=${JSON.stringify(value)}: expected http(s)://host[:port][/path] with no query, fragment, or characters other than letters, digits and . _ ~ % + - /`,
      );
      return undefined;
    }
    return value;
  }

  path(name: string, fallback: string): string {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (!value.startsWith("/")) {
      this.problems.push(`${name}=${JSON.stringify(value)}: expected an absolute path`);
      return fallback;
    }
    return value;
  }

  image(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    try {
      parseImageReference(value);
      return value;
    } catch (err) {
      this.problems.push(`${name}=${JSON.stringify(value)}: ${(err as Error).message}; expected registry/name:tag@sha256:<digest>`);
      return undefined;
    }
  }

  /** A comma-separated list of image references; empty when unset. */
  imageList(name: string): string[] {
    const value = this.optional(name);
    if (value === undefined) return [];
    const refs = value.split(",").map((r) => r.trim()).filter((r) => r !== "");
    for (const ref of refs) {
      try {
        parseImageReference(ref);
      } catch (err) {
        this.problems.push(`${name}: ${JSON.stringify(ref)}: ${(err as Error).message}; expected comma-separated registry/name:tag@sha256:<digest>`);
        return [];
      }
    }
    return refs;
  }

  dnsLabel(name: string, fallback: string): string {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
      this.problems.push(
        `${name}=${JSON.stringify(value)}: expected a DNS-1123 label (lower-case letters, digits, '-')`,
      );
      return fallback;
    }
    return value;
  }

  hostname(name: string, fallback: string): string {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const labels = value.split(".");
    const ok =
      value.length <= 253 && labels.every((l) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(l));
    if (!ok) {
      this.problems.push(
        `${name}=${JSON.stringify(value)}: expected a lower-case DNS name such as apps.example.com`,
      );
      return fallback;
    }
    return value;
  }

  bytes(name: string, fallback: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*(|k|m|g|ki|mi|gi|kb|mb|gb|kib|mib|gib)$/i.exec(value);
    if (!match) {
      this.problems.push(
        `${name}=${JSON.stringify(value)}: expected a size such as 1073741824, 512Mi or 1Gi`,
      );
      return fallback;
    }
    const unit = (match[2] ?? "").toLowerCase().replace(/b$/, "").replace(/i$/, "");
    const scale = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit] ?? 1;
    return Number(match[1]) * scale;
  }

  base32(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    // RFC 4648 base32 without padding, as authenticator apps take it; 16+ characters = 80+ bits.
    if (!/^[A-Z2-7]{16,128}$/.test(value)) {
      this.problems.push(
        `${name}: expected a base32 TOTP secret (A–Z and 2–7, at least 16 characters)`,
      );
      return undefined;
    }
    return value;
  }

  sshKey(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (
      !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/.test(
        value.trim(),
      )
    ) {
      this.problems.push(
        `${name}: expected one OpenSSH public key line (ssh-ed25519 AAAA… comment)`,
      );
      return undefined;
    }
    return value.trim();
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
