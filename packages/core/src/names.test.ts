import { describe, expect, it } from "vitest";
import { isDns1123Label, kubeName, parseAppName } from "./names.ts";

describe("names", () => {
  it.each(["shop", "a", "my-app-2", "x".repeat(30)])("accepts app name %s", (name) => {
    expect(parseAppName(name)).toBe(name);
  });

  it.each([
    ["", /empty/],
    ["Shop", /not valid/],
    ["-shop", /not valid/],
    ["shop-", /not valid/],
    ["sh_op", /not valid/],
    ["../etc", /not valid/],
    ["x".repeat(31), /31 characters; the limit is 30/],
    ["qs-system", /reserved/],
    ["shop\n", /not valid/],
  ])("refuses app name %j", (name, message) => {
    expect(() => parseAppName(name)).toThrow(message);
  });

  it("keeps kube names within 63 characters, unique and DNS-1123", () => {
    const long = kubeName("a".repeat(30), "worker-process-with-a-long-name", "release-123456");
    expect(long.length).toBeLessThanOrEqual(63);
    expect(isDns1123Label(long)).toBe(true);
    expect(kubeName("a".repeat(30), "worker-process-with-a-long-name", "release-123457")).not.toBe(
      long,
    );
    expect(kubeName("shop", "web")).toBe("shop-web");
  });
});
