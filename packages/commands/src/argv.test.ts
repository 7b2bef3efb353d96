import { describe, expect, it } from "vitest";
import { quoteWord, splitCommandLine } from "./argv.ts";

describe("splitCommandLine", () => {
  it.each([
    ["apps:list", ["apps:list"]],
    ["  a   b\tc  ", ["a", "b", "c"]],
    ["a 'b c' d", ["a", "b c", "d"]],
    [`a "b c"`, ["a", "b c"]],
    [`K='it'"'"'s'`, ["K=it's"]],
    [`K="say \\"hi\\""`, [`K=say "hi"`]],
    [`"a\\b"`, ["a\\b"]],
    [`"\\$HOME \\\\ \\\`"`, ["$HOME \\ `"]],
    [`a\\ b`, ["a b"]],
    [`a\\\nb`, ["ab"]],
    [`''`, [""]],
    [`a '' b`, ["a", "", "b"]],
    [`'$HOME' $HOME`, ["$HOME", "$HOME"]],
    [`a;rm -rf /`, ["a;rm", "-rf", "/"]],
    [`a|b && c *`, ["a|b", "&&", "c", "*"]],
    [`K=a=b`, ["K=a=b"]],
    [`'multi\nline'`, ["multi\nline"]],
    [`"été" ✓`, ["été", "✓"]],
    ["", []],
  ] as [string, string[] | undefined][])("splits %j", (line, words) => {
    if (words === undefined) expect(() => splitCommandLine(line)).toThrow(/unbalanced/);
    else expect(splitCommandLine(line)).toEqual(words);
  });

  it.each([
    [`a 'b`, /unbalanced ' quote/],
    [`a "b`, /unbalanced " quote/],
    [`a "b\\"`, /unbalanced " quote/],
    [`a \\`, /ends with a backslash/],
    [`a\0b`, /NUL/],
  ])("refuses %j", (line, message) => {
    expect(() => splitCommandLine(line)).toThrow(message);
  });

  it("round-trips quoteWord", () => {
    const words = ["plain", "", "a b", "it's", `"q"`, "$X", "a\\b", "new\nline"];
    expect(splitCommandLine(words.map(quoteWord).join(" "))).toEqual(words);
  });
});
