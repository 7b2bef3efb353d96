import { describe, expect, it } from "vitest";
import { isDns1123Label, MAX_APP_NAME, parseAppName } from "./names.ts";
import {
  DEFAULT_PREVIEW_TTL_SECONDS,
  MAX_PREVIEW_PARENT,
  defaultHost,
  formatTtl,
  parseAddonsMode,
  parseTtl,
  previewAppName,
  previewExpiresAt,
} from "./preview.ts";

describe("previewAppName", () => {
  it("is <parent>--<branch slug> when it fits", () => {
    expect(previewAppName("shop", "feature/login")).toBe("shop--feature-login");
    expect(previewAppName("shop", "Fix_Bug#12")).toBe("shop--fix-bug-12");
    expect(previewAppName("shop", "///")).toBe("shop--branch");
  });

  it("stays a valid app name however long the branch or parent", () => {
    const parent = "a".repeat(MAX_PREVIEW_PARENT);
    for (const [p, b] of [
      ["shop", "feature/" + "x".repeat(200)],
      [parent, "feature/login"],
      [parent, "-"],
      ["shop", "a".repeat(24) + "-" + "b"],
    ] as const) {
      for (const attempt of [0, 1, 2]) {
        const name = previewAppName(p, b, attempt);
        expect(name.length, name).toBeLessThanOrEqual(MAX_APP_NAME);
        expect(parseAppName(name)).toBe(name);
        expect(name.startsWith(`${p}--`)).toBe(true);
      }
    }
  });

  it("gives different names to long branches that share a prefix, and to each attempt", () => {
    const a = previewAppName("shop", "feature/checkout-with-paypal");
    const b = previewAppName("shop", "feature/checkout-with-stripe");
    expect(a).not.toBe(b);
    const names = new Set([0, 1, 2, 3].map((n) => previewAppName("shop", "feature/login", n)));
    expect(names.size).toBe(4);
  });

  it("refuses a parent too long to have previews, saying the limit", () => {
    expect(() => previewAppName("a".repeat(MAX_PREVIEW_PARENT + 1), "x")).toThrow(/at most 22/);
  });
});

describe("defaultHost", () => {
  it("puts a preview under its parent's name and leaves other apps alone", () => {
    const preview = { preview: { parent: "shop", branch: "feature/login", lastPushAt: "2026-01-01T00:00:00Z" } };
    expect(defaultHost("shop--feature-login", preview, "apps.test")).toBe("feature-login.shop.apps.test");
    expect(defaultHost("shop", {}, "apps.test")).toBe("shop.apps.test");
    const label = defaultHost(previewAppName("shop", "x".repeat(90)), preview, "t").split(".")[0] ?? "";
    expect(isDns1123Label(label)).toBe(true);
  });
});

describe("preview settings", () => {
  it("parses TTLs and refuses nonsense with a hint", () => {
    expect(parseTtl("72h")).toBe(DEFAULT_PREVIEW_TTL_SECONDS);
    expect(parseTtl("30m")).toBe(1800);
    expect(parseTtl("7d")).toBe(604800);
    expect(formatTtl(parseTtl("72h"))).toBe("3d");
    expect(formatTtl(5400)).toBe("90m");
    for (const bad of ["", "5m", "0h", "1y", "-3h", "3 h", "400d"]) expect(() => parseTtl(bad), bad).toThrow(/e\.g\. --ttl 72h|lifetime/);
  });

  it("accepts --addons none, fresh and shared, and nothing else", () => {
    expect(parseAddonsMode("none")).toBe("none");
    expect(parseAddonsMode("fresh")).toBe("fresh");
    expect(parseAddonsMode("shared")).toBe("shared");
    expect(() => parseAddonsMode("Fresh")).toThrow(/not one of fresh, shared, none/);
    expect(() => parseAddonsMode("all")).toThrow(/not one of fresh, shared, none/);
  });

  it("expires a preview ttl after its last push", () => {
    const spec = { preview: { parent: "shop", branch: "b", lastPushAt: "2026-01-01T00:00:00.000Z" } };
    expect(previewExpiresAt(spec, 3600)).toBe(Date.parse("2026-01-01T01:00:00.000Z"));
    expect(previewExpiresAt({}, 3600)).toBeUndefined();
  });
});
