import { describe, expect, it } from "vitest";
import { satisfies } from "./semver.ts";

describe("satisfies", () => {
  it.each([
    ["22.12.0", ">=20", true],
    ["22.12.0", ">=20 <22", false],
    ["20.18.1", "^20.10", true],
    ["22.12.0", "^20", false],
    ["22.12.0", "22.x", true],
    ["22.12.0", "~22.11", false],
    ["22.12.0", "18 || 22", true],
    ["24.11.0", ">22", true],
    ["22.12.0", ">22", false],
    ["22.12.0", "<=22", true],
    ["20.18.1", "16 - 20", true],
    ["22.12.0", "*", true],
    ["22.12.0", "lts/*", false],
  ])("%s satisfies %j: %s", (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});
