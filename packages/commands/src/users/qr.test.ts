import { describe, expect, it } from "vitest";
import { formatAge, formatCpu } from "../nodes/format.ts";
import { qrMatrix, terminalQr } from "./qr.ts";

describe("terminalQr", () => {
  const uri = "otpauth://totp/QuickStack:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=QuickStack";
  it("draws two module rows per line with a quiet zone", () => {
    const size = qrMatrix(uri).length;
    const lines = terminalQr(uri, 2).split("\n");
    expect(lines).toHaveLength(Math.ceil((size + 4) / 2));
    for (const line of lines) expect([...line]).toHaveLength(size + 4);
    // The quiet zone is light (drawn) on every side.
    expect(lines[0]).toBe("█".repeat(size + 4));
  });
  it("keeps the finder pattern: the top-left 7x7 square has a dark ring", () => {
    const m = qrMatrix(uri);
    for (let i = 0; i < 7; i++) {
      expect([m[0]?.[i], m[6]?.[i], m[i]?.[0], m[i]?.[6]]).toEqual([true, true, true, true]);
    }
    expect(m[1]?.[1]).toBe(false);
  });
});

describe("formats", () => {
  it.each([
    [5_000, "5s"],
    [119_000, "119s"],
    [600_000, "10m"],
    [3 * 3_600_000, "3h"],
    [5 * 86_400_000, "5d"],
    [-5, "0s"],
  ])("age %d ms = %s", (ms, text) => expect(formatAge(ms)).toBe(text));
  it.each([
    [5, "5m"],
    [999.6, "1000m"],
    [1500, "1.5"],
    [4000, "4"],
  ])("cpu %d = %s", (m, text) => expect(formatCpu(m)).toBe(text));
});
