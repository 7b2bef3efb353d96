import { describe, expect, it } from "vitest";
import { lineWriter } from "./log-stream.ts";

describe("lineWriter", () => {
  it("splits chunks into lines, across chunk borders, and flushes the last partial line", async () => {
    const lines: string[] = [];
    const w = lineWriter((l) => lines.push(l));
    w.write("one\ntw");
    w.write("o\r\nthree");
    await new Promise<void>((r) => w.end(r));
    expect(lines).toEqual(["one", "two", "three"]);
  });
});
