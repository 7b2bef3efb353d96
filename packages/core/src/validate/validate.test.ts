import { describe, expect, it } from "vitest";
import {
  applyScale,
  checkConfigSize,
  parseBranchName,
  parseImageReference,
  parseDomain,
  parseEnvAssignment,
  parseEnvKey,
  parseHealthCheckPath,
  parseMountPath,
  parseQuantity,
  parseReleaseNumber,
  parseRepoPath,
  parseScaleArgs,
  parseStorageClass,
  parseVolumeName,
  quantityValue,
} from "./index.ts";

describe("env", () => {
  it.each(["A", "_", "DATABASE_URL", "a1_b2", "x".repeat(256)])("accepts key %s", (k) => {
    expect(parseEnvKey(k)).toBe(k);
  });
  it.each([
    ["", /empty/],
    ["1A", /not valid/],
    ["A-B", /not valid/],
    ["A B", /not valid/],
    ["A.B", /not valid/],
    ["Ä", /not valid/],
    ["PORT", /set by QuickStack/],
    ["x".repeat(257), /limit is 256/],
  ])("refuses key %j", (k, message) => {
    expect(() => parseEnvKey(k)).toThrow(message);
  });
  it("splits KEY=VALUE at the first '=' and allows empty values", () => {
    expect(parseEnvAssignment("A=b=c")).toEqual({ key: "A", value: "b=c" });
    expect(parseEnvAssignment("A=")).toEqual({ key: "A", value: "" });
  });
  it("refuses values over 32 KiB, NUL bytes and missing '='", () => {
    expect(() => parseEnvAssignment(`A=${"x".repeat(32 * 1024 + 1)}`)).toThrow(/32 KiB/);
    expect(parseEnvAssignment(`A=${"x".repeat(32 * 1024)}`).value.length).toBe(32 * 1024);
    expect(() => parseEnvAssignment("A=\0")).toThrow(/NUL/);
    expect(() => parseEnvAssignment("A")).toThrow(/not KEY=VALUE/);
  });
  it("limits all config to 256 KiB", () => {
    const vars: Record<string, string> = {};
    for (let i = 0; i < 8; i++) vars[`K${i}`] = "x".repeat(32 * 1024);
    expect(() => checkConfigSize(vars)).toThrow(/256 KiB/);
    delete vars.K7;
    expect(() => checkConfigSize(vars)).not.toThrow();
  });
});

describe("domains", () => {
  it.each([
    ["shop.example.com", "shop.example.com"],
    ["Shop.Example.COM.", "shop.example.com"],
    ["a-b.c0.io", "a-b.c0.io"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
  ])("accepts %s", (d, out) => {
    expect(parseDomain(d)).toBe(out);
  });
  it.each([
    ["", /empty/],
    ["localhost", /two labels/],
    ["*.example.com", /wildcard/],
    ["-a.example.com", /not a valid host name/],
    ["a-.example.com", /not a valid host name/],
    ["a..example.com", /empty label/],
    ["a_b.example.com", /not a valid host name/],
    ["exa mple.com", /not a valid host name/],
    ["10.0.0.1", /IP address/],
    [`${"a".repeat(64)}.com`, /63/],
    [`${"a.".repeat(127)}com`, /253/],
    ["shop.example.com/path", /not a valid host name/],
    ["ümlaut.de", /not a valid host name/],
    ["a.*.com", /not a valid host name/],
  ])("refuses %j", (d, message) => {
    expect(() => parseDomain(d)).toThrow(message);
  });
  it("accepts wildcards only when enabled", () => {
    expect(parseDomain("*.Example.com", { allowWildcard: true })).toBe("*.example.com");
    expect(() => parseDomain("*.com", { allowWildcard: true })).toThrow(/two labels/);
  });
});

describe("quantities", () => {
  it.each([
    ["500m", "cpu"],
    ["2", "cpu"],
    ["0.5", "cpu"],
    ["512Mi", "memory"],
    ["1Gi", "memory"],
    ["1G", "storage"],
    ["10Gi", "storage"],
    ["1e9", "storage"],
  ] as const)("accepts %s as %s", (q, kind) => {
    expect(parseQuantity(q, kind)).toBe(q);
  });
  it.each([
    ["", "cpu", /not a quantity/],
    ["-1", "cpu", /not a quantity/],
    ["1 Gi", "memory", /not a quantity/],
    ["1gb", "memory", /not a quantity/],
    ["0", "cpu", /outside/],
    ["0.0001", "cpu", /outside/],
    ["1000", "cpu", /outside/],
    ["1Mi", "memory", /outside/],
    ["2Ti", "memory", /outside/],
    ["500m", "memory", /milli-bytes/],
    ["100Ki", "storage", /outside/],
    ["1Ei", "storage", /outside/],
    ["Gi", "storage", /not a quantity/],
    ["1.2.3", "cpu", /not a quantity/],
  ] as const)("refuses %j as %s", (q, kind, message) => {
    expect(() => parseQuantity(q, kind)).toThrow(message);
  });
  it("computes base units", () => {
    expect(quantityValue("1Ki")).toBe(1024);
    expect(quantityValue("250m")).toBe(0.25);
    expect(quantityValue("2e3")).toBe(2000);
  });
});

describe("scale", () => {
  const known = ["web", "worker", "queue-2"];
  it("parses = + - and types containing '-'", () => {
    expect(parseScaleArgs(["web=2", "worker+1", "queue-2-1"])).toEqual([
      { process: "web", op: "=", amount: 2 },
      { process: "worker", op: "+", amount: 1 },
      { process: "queue-2", op: "-", amount: 1 },
    ]);
  });
  it("applies changes relative to the current scale", () => {
    const changes = parseScaleArgs(["web+2", "worker-1"]);
    expect(applyScale(changes, { web: 1, worker: 3 }, known, 50)).toEqual({ web: 3, worker: 2 });
  });
  it.each([
    [["web"], /not a scale term/],
    [["web=two"], /not a scale term/],
    [["=2"], /not a scale term/],
    [["Web=2"], /not valid/],
    [["web=2", "web=3"], /twice/],
    [["web=1234567"], /too large/],
    [["web*2"], /not a scale term/],
    [["web=-1"], /the count must be a whole number ≥ 0/],
    [["web+-1"], /the count must be a whole number ≥ 0/],
    [["web="], /the count must be a whole number ≥ 0/],
    [["web=1.5"], /the count must be a whole number ≥ 0/],
  ])("refuses %j", (args, message) => {
    expect(() => parseScaleArgs(args)).toThrow(message);
  });
  it("refuses unknown types, negatives and values above the limit", () => {
    expect(() => applyScale(parseScaleArgs(["db=1"]), {}, known, 50)).toThrow(/not defined/);
    expect(() => applyScale(parseScaleArgs(["web-2"]), { web: 1 }, known, 50)).toThrow(/-1 replicas/);
    expect(() => applyScale(parseScaleArgs(["web=51"]), {}, known, 50)).toThrow(/limit of 50/);
    expect(applyScale(parseScaleArgs(["web=50"]), {}, known, 50)).toEqual({ web: 50 });
  });
});

describe("volumes and paths", () => {
  it("accepts names and normalises mount paths", () => {
    expect(parseVolumeName("data-1")).toBe("data-1");
    expect(parseMountPath("/app/data/")).toBe("/app/data");
  });
  it.each(["", "Data", "da_ta", "-data", "x".repeat(31), "../x"])("refuses volume name %j", (n) => {
    expect(() => parseVolumeName(n)).toThrow(/not valid/);
  });
  it.each([
    ["data", /not absolute/],
    ["/", /root/],
    ["/a/../etc", /'\.\.'/],
    ["/a//b", /segments/],
    ["/a/./b", /segments/],
    ["/proc/x", /system/],
    ["/etc", /system/],
    ["/a b", /characters/],
    ["/a\nb", /characters/],
    ["/$HOME", /characters/],
  ])("refuses mount path %j", (p, message) => {
    expect(() => parseMountPath(p)).toThrow(message);
  });
  it("checks health paths, repo paths, storage classes and release numbers", () => {
    expect(parseHealthCheckPath("/health?x=1")).toBe("/health?x=1");
    expect(() => parseHealthCheckPath("health")).toThrow(/not valid/);
    expect(() => parseHealthCheckPath("/a b")).toThrow(/not valid/);
    expect(parseRepoPath("docker/web.Dockerfile")).toBe("docker/web.Dockerfile");
    expect(() => parseRepoPath("../Dockerfile")).toThrow(/inside the repository/);
    expect(() => parseRepoPath("/Dockerfile")).toThrow(/inside the repository/);
    expect(parseStorageClass("local-path")).toBe("local-path");
    expect(() => parseStorageClass("Local Path")).toThrow(/not valid/);
    expect(parseReleaseNumber("v12")).toBe(12);
    expect(parseReleaseNumber("3")).toBe(3);
    expect(() => parseReleaseNumber("v0")).toThrow(/not a release/);
    expect(() => parseReleaseNumber("latest")).toThrow(/not a release/);
  });
});

describe("branches (git check-ref-format)", () => {
  it.each(["main", "release/v2", "feature-x", "refs/heads/dev", "a.b", "v1@2"])("accepts %s", (b) => {
    expect(() => parseBranchName(b)).not.toThrow();
  });
  it("strips refs/heads/", () => {
    expect(parseBranchName("refs/heads/dev")).toBe("dev");
  });
  it.each([
    ["", /empty/],
    ["a..b", /'\.\.'/],
    ["a b", /space/],
    ["a~1", /~/],
    ["a^", /~/],
    ["a:b", /~/],
    ["a?", /~/],
    ["a*", /~/],
    ["a[b", /~/],
    ["a\\b", /~/],
    ["a\tb", /control/],
    [".hidden", /starting with '\.'/],
    ["a/.b", /starting with '\.'/],
    ["x.lock", /\.lock/],
    ["a/", /empty path/],
    ["/a", /empty path/],
    ["a//b", /empty path/],
    ["a.", /ends with/],
    ["a@{1}", /@\{/],
    ["@", /'@'/],
    ["-b", /starts with '-'/],
    ["x".repeat(201), /longer/],
  ])("refuses %j", (b, message) => {
    expect(() => parseBranchName(b)).toThrow(message);
  });
});

describe("parseImageReference", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  it.each([
    ["busybox", { domain: undefined, path: "busybox", tag: undefined, digest: undefined }],
    ["docker.io/library/busybox:1.37.0", { domain: "docker.io", path: "library/busybox", tag: "1.37.0", digest: undefined }],
    ["library/busybox:1.37.0", { domain: undefined, path: "library/busybox", tag: "1.37.0", digest: undefined }],
    [`ghcr.io/osscontainertools/kaniko:v1.27.6@${digest}`, { domain: "ghcr.io", path: "osscontainertools/kaniko", tag: "v1.27.6", digest }],
    [`localhost:5000/app@${digest}`, { domain: "localhost:5000", path: "app", tag: undefined, digest }],
    ["registry.qs-system.svc:5000/qs/shop:v3", { domain: "registry.qs-system.svc:5000", path: "qs/shop", tag: "v3", digest: undefined }],
  ])("parses %s", (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it.each([
    "",
    "Busybox",
    "busybox:",
    "busybox:-1",
    "busybox@sha256:abc",
    `busybox@sha512:${"a".repeat(128)}`,
    "ghcr.io/Upper/name",
    "name with space",
    "a//b",
    "-lead/x",
    `x:${"t".repeat(129)}`,
    "busybox;rm -rf /",
  ])("refuses %j with INVALID_IMAGE", (input) => {
    expect(() => parseImageReference(input)).toThrow(expect.objectContaining({ code: "INVALID_IMAGE" }));
  });
});
