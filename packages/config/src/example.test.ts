import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, loadConfig } from "./config.ts";

describe("qs.env.example", () => {
  const text = readFileSync(join(import.meta.dirname, "../../../qs.env.example"), "utf8");
  const entries = Object.fromEntries(
    text
      .split("\n")
      .filter((l) => /^QS_[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

  it("lists every variable exactly", () => {
    expect(Object.keys(entries).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it("holds values the parser accepts and that equal the defaults", () => {
    expect(loadConfig(entries)).toEqual(loadConfig({}));
  });
});
