import { describe, expect, it } from "vitest";
import { ConfigError } from "@qs/core";
import { loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("gives documented defaults and freezes the result", () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(8080);
    expect(config.ssh.port).toBe(2222);
    expect(config.build.concurrency).toBe(2);
    expect(config.build.timeoutSeconds).toBe(900);
    expect(config.maxPushBytes).toBe(200 * 1024 ** 2);
    expect(config.logFormat).toBe("json");
    expect(config.appScheme).toBe("https");
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it("parses values and picks readable logs in development", () => {
    const config = loadConfig({
      QS_ENV: "development",
      QS_HTTP_PORT: "0",
      QS_MAX_PUSH_BYTES: "512Mi",
      QS_REQUIRE_2FA: "false",
      KUBECONFIG: "/tmp/kc",
    });
    expect(config.logFormat).toBe("pretty");
    // Development has no TLS: app URLs say http.
    expect(config.appScheme).toBe("http");
    expect(config.http.port).toBe(0);
    expect(config.maxPushBytes).toBe(512 * 1024 ** 2);
    expect(config.require2fa).toBe(false);
    expect(config.kubeconfig).toBe("/tmp/kc");
  });

  it("reports every bad variable at once, by name, with the expected form", () => {
    let error: unknown;
    try {
      loadConfig({
        QS_HTTP_PORT: "http",
        QS_BUILD_CONCURRENCY: "0",
        QS_REDIS_URL: "localhost:6379",
        QS_TYPO: "1",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(
      /QS_HTTP_PORT="http": expected a whole number from 0 to 65535/,
    );
    expect(problems.join("\n")).toMatch(
      /QS_BUILD_CONCURRENCY="0": expected a whole number from 1 to 64/,
    );
    expect(problems.join("\n")).toMatch(/QS_REDIS_URL: expected a URL starting with redis:\/\//);
    expect(problems.join("\n")).toMatch(/QS_TYPO is not a QuickStack variable/);
  });

  it("refuses a malformed admin key and a bad size", () => {
    expect(() => loadConfig({ QS_ADMIN_SSH_KEY: "not a key" })).toThrow(/QS_ADMIN_SSH_KEY/);
    expect(() => loadConfig({ QS_MAX_PUSH_BYTES: "lots" })).toThrow(/QS_MAX_PUSH_BYTES="lots"/);
    expect(() => loadConfig({ QS_ADMIN_TOTP_SECRET: "not-base32!" })).toThrow(/QS_ADMIN_TOTP_SECRET: expected a base32/);
    expect(loadConfig({ QS_ADMIN_TOTP_SECRET: "JBSWY3DPEHPK3PXP" }).adminTotpSecret).toBe("JBSWY3DPEHPK3PXP");
  });

  it("takes builder images pinned by digest and refuses what is not an image reference", () => {
    const kaniko = `ghcr.io/osscontainertools/kaniko:v1.27.6@sha256:${"c".repeat(64)}`;
    expect(loadConfig({}).build.images).toEqual({});
    expect(loadConfig({ QS_BUILDER_KANIKO_IMAGE: kaniko }).build.images).toEqual({ kaniko });
    expect(() => loadConfig({ QS_BUILDER_FETCH_IMAGE: "busybox; rm -rf /" })).toThrow(/QS_BUILDER_FETCH_IMAGE="busybox; rm -rf \/": .*not an image reference/);
    expect(() => loadConfig({ QS_BUILDER_BUILDKIT_IMAGE: "moby/buildkit@sha256:short" })).toThrow(/QS_BUILDER_BUILDKIT_IMAGE/);
  });

  it("takes a registry mirror for base images as http(s)://host[:port]", () => {
    expect(loadConfig({}).build.registryMirror).toBeUndefined();
    const mirror = "http://registry.qs-system.svc:5000";
    expect(loadConfig({ QS_BUILDER_REGISTRY_MIRROR: mirror }).build.registryMirror).toBe(mirror);
    for (const bad of ["registry:5000", "https://mirror/v2/", "ftp://mirror"]) {
      expect(() => loadConfig({ QS_BUILDER_REGISTRY_MIRROR: bad })).toThrow(
        /QS_BUILDER_REGISTRY_MIRROR=.*expected http:\/\/host\[:port\] or https:\/\/host\[:port\]/,
      );
    }
  });

  it("takes package mirrors for builds and refuses credentials, queries and shell characters", () => {
    expect(loadConfig({}).build.mirrors).toEqual({});
    const set = {
      QS_BUILD_NPM_REGISTRY: "http://10.42.0.1:4873/npm/",
      QS_BUILD_PYPI_INDEX: "https://pypi.example.internal/simple/",
      QS_BUILD_APT_MIRROR: "http://apt.example.internal:3142",
      QS_BUILD_APK_MIRROR: "https://apk.example.internal/",
      QS_BUILD_GOPROXY: "http://10.42.0.1:3000/go/",
    };
    expect(loadConfig(set).build.mirrors).toEqual({
      npmRegistry: set.QS_BUILD_NPM_REGISTRY,
      pypiIndex: set.QS_BUILD_PYPI_INDEX,
      aptMirror: set.QS_BUILD_APT_MIRROR,
      apkMirror: set.QS_BUILD_APK_MIRROR,
      goProxy: set.QS_BUILD_GOPROXY,
    });
    const problems = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as { problems: string[] }).problems.join("\n");
      }
      return "accepted";
    };
    const creds = problems({ QS_BUILD_PYPI_INDEX: "https://ci:hunter2@pypi.example.internal/simple/" });
    expect(creds).toMatch(/QS_BUILD_PYPI_INDEX: the URL carries credentials/);
    expect(creds).not.toContain("hunter2");
    expect(problems({ QS_BUILD_NPM_REGISTRY: "https://npm.example.internal/?t=1" })).toMatch(/QS_BUILD_NPM_REGISTRY=.*no query/);
    expect(problems({ QS_BUILD_APT_MIRROR: "http://apt/$(reboot)" })).toMatch(/QS_BUILD_APT_MIRROR=/);
    expect(problems({ QS_BUILD_APK_MIRROR: "ftp://apk.example.internal/" })).toMatch(/QS_BUILD_APK_MIRROR=/);
    // One proxy, no fallback list: `,direct` would let builds leave the mirror.
    expect(problems({ QS_BUILD_GOPROXY: "https://goproxy.example.internal,direct" })).toMatch(/QS_BUILD_GOPROXY=/);
  });

  it("takes the installer's pinned base images as a comma-separated list", () => {
    const node = `docker.io/library/node:24-trixie-slim@sha256:${"a".repeat(64)}`;
    const busybox = `docker.io/library/busybox:1.37.0@sha256:${"b".repeat(64)}`;
    expect(loadConfig({}).build.baseImages).toEqual([]);
    expect(loadConfig({ QS_BASE_IMAGES: `${node}, ${busybox},` }).build.baseImages).toEqual([node, busybox]);
    expect(() => loadConfig({ QS_BASE_IMAGES: `${node},node; rm -rf /` })).toThrow(/QS_BASE_IMAGES: "node; rm -rf \/": .*not an image reference/);
  });
});

describe("QS_ADDON_IMAGES", () => {
  it("maps kind:major to an image and refuses anything else by name", () => {
    const pg = "registry.qs-system.svc:5000/library/postgres:15";
    expect(loadConfig({}).addonImages).toEqual({});
    expect(loadConfig({ QS_ADDON_IMAGES: `postgres:15=${pg}, ` }).addonImages).toEqual({ "postgres:15": pg });
    expect(() => loadConfig({ QS_ADDON_IMAGES: `mongo:7=${pg}` })).toThrow(/QS_ADDON_IMAGES: "mongo:7=.*" is not kind:major=image/);
    expect(() => loadConfig({ QS_ADDON_IMAGES: "redis:7=bad image" })).toThrow(/QS_ADDON_IMAGES: "bad image"/);
  });
});
