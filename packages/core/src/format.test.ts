import { describe, expect, it } from "vitest";
import {
  detail,
  errorLines,
  formatBytes,
  formatDuration,
  result,
  shortSha,
  step,
} from "./format.ts";

describe("Heroku-style output", () => {
  it("prefixes steps, detail, results and errors", () => {
    expect(step("Building shop")).toBe("-----> Building shop");
    expect(detail("npm ci")).toBe("       npm ci");
    expect(result("Released v7")).toBe("=====> Released v7");
    expect(errorLines("build failed\nexit 1", "fix it and push again")).toEqual([
      "!     build failed",
      "!     exit 1",
      "!     fix it and push again",
    ]);
    expect(step("x").indexOf("x")).toBe(detail("x").indexOf("x"));
  });

  it("formats durations, sizes and shas", () => {
    expect(formatDuration(400)).toBe("0.4 s");
    expect(formatDuration(40_000)).toBe("40 s");
    expect(formatDuration(185_000)).toBe("3 min 5 s");
    expect(formatDuration(120_000)).toBe("2 min");
    expect(formatDuration(7_260_000)).toBe("2 h 1 min");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(50 * 1024 ** 2)).toBe("50 MiB");
    expect(formatBytes(1024 ** 3)).toBe("1 GiB");
    expect(shortSha("abcdef0123456789")).toBe("abcdef0");
  });
});
