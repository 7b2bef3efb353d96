import { describe, expect, it } from "vitest";
import { escapeControls } from "./terminal.ts";

describe("escapeControls", () => {
  it("makes terminal escapes, C1 controls and bidi overrides visible", () => {
    expect(escapeControls("a\u001b]0;owned\u0007b\u001b[2J")).toBe("a\\x1b]0;owned\\x07b\\x1b[2J");
    expect(escapeControls("\u009b31m \u007f \u202eevil")).toBe("\\u009b31m \\x7f \\u202eevil");
  });

  it("keeps line feeds, tabs and CRLF in text, and escapes them in one-line fields", () => {
    expect(escapeControls("a\tb\nc\r\nd\re")).toBe("a\tb\nc\r\nd\\re");
    expect(escapeControls("K=1\nFAKE=2\t", { oneLine: true })).toBe("K=1\\nFAKE=2\\t");
  });

  it("leaves printable text and JSON exact", () => {
    const text = "héllo — 日本 █▀▄ \\x41";
    expect(escapeControls(text)).toBe(text);
    const json = JSON.stringify({ v: "\u001b\u009b\u202e" }, null, 2);
    expect(JSON.parse(escapeControls(json))).toEqual({ v: "\u001b\u009b\u202e" });
  });
});
