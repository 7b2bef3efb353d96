import { describe, expect, it } from "vitest";
import { parseArgs } from "./flags.ts";

const spec = {
  size: { type: "string", description: "" },
  force: { type: "boolean", description: "" },
  process: { type: "string", short: "p", description: "" },
} as const;

describe("parseArgs", () => {
  it("takes flags anywhere, =values, short flags and --", () => {
    const { positionals, flags } = parseArgs(["a", "--size", "1Gi", "-p", "web", "b", "--force", "--", "--size"], spec, {
      usage: "x",
    });
    expect(positionals).toEqual(["a", "b", "--size"]);
    expect(flags).toEqual({ size: "1Gi", force: true, process: "web" });
    expect(parseArgs(["--size=2Gi", "-1", "-"], spec, { usage: "x" })).toEqual({
      positionals: ["-1", "-"],
      flags: { size: "2Gi", force: false, process: undefined },
    });
  });
  it.each([
    [["--bogus"], /unknown flag "--bogus"/],
    [["-x"], /unknown flag "-x"/],
    [["-pweb"], /unknown flag "-pweb"/],
    [["--size"], /needs a value/],
    [["--force=yes"], /takes no value/],
    [["--size", "1", "--size", "2"], /twice/],
    [["a", "b", "c"], /unexpected argument "c"/],
    [[], /missing arguments/],
  ])("refuses %j", (args, message) => {
    expect(() => parseArgs(args, spec, { usage: "x A [B]", min: 1, max: 2 })).toThrow(message);
  });
});
