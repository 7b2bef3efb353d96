import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";

// xterm.js comes from npm and is served by the control plane itself (no third-party host),
// read once at start. Only the terminal page links these files; other pages stay as light.
const require = createRequire(import.meta.url);
const read = (specifier: string): string => readFileSync(require.resolve(specifier), "utf8");

/**
 * The terminal page's own script: connects the WebSocket, wires xterm.js and the fit
 * add-on, sends keystrokes (binary) and sizes (JSON), prints the end line. xterm's DOM
 * renderer adds <style> elements; they get the page's per-response CSP nonce so no inline
 * style is allowed beyond them.
 */
export const TERMINAL_SCRIPT = `"use strict";
(function () {
  var box = document.getElementById("terminal");
  if (!box || !window.Terminal || !window.WebSocket) return;
  var nonce = box.getAttribute("data-style-nonce");
  var create = document.createElement;
  document.createElement = function (tag, options) {
    var el = create.call(document, tag, options);
    if (String(tag).toLowerCase() === "style" && nonce) el.nonce = nonce;
    return el;
  };
  var state = document.getElementById("terminal-state");
  function say(text) { if (state) state.textContent = text; }
  var term = new window.Terminal({ cursorBlink: true, convertEol: false, scrollback: 5000, fontFamily: "ui-monospace, monospace" });
  var fit = new window.FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(box);
  fit.fit();
  window.qsTerminal = term;
  var url = new URL(box.getAttribute("data-ws"), window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("ticket", box.getAttribute("data-ticket"));
  url.searchParams.set("cols", String(term.cols));
  url.searchParams.set("rows", String(term.rows));
  var ws = new WebSocket(url.toString());
  ws.binaryType = "arraybuffer";
  var encoder = new TextEncoder();
  var ended = false;
  say("connecting…");
  ws.onopen = function () { say("connected"); term.focus(); };
  ws.onmessage = function (event) {
    if (typeof event.data !== "string") { term.write(new Uint8Array(event.data)); return; }
    var frame = JSON.parse(event.data);
    if (frame.type === "started") say("connected to " + frame.pod);
    else if (frame.type === "notice") term.write("\\r\\n[" + frame.message + "]\\r\\n");
    else if (frame.type === "end") {
      ended = true;
      term.write("\\r\\n\\x1b[1m[session ended: " + frame.message + "]\\x1b[0m\\r\\n");
      say("ended: " + frame.message);
      box.setAttribute("data-ended", frame.reason);
      box.setAttribute("data-exit-code", String(frame.exitCode));
    }
  };
  ws.onclose = function () {
    if (!ended) { term.write("\\r\\n\\x1b[1m[connection closed]\\x1b[0m\\r\\n"); say("closed"); box.setAttribute("data-ended", "closed"); }
  };
  term.onData(function (data) { if (ws.readyState === 1) ws.send(encoder.encode(data)); });
  term.onResize(function (size) { if (ws.readyState === 1) ws.send(JSON.stringify({ type: "resize", cols: size.cols, rows: size.rows })); });
  window.addEventListener("resize", function () { fit.fit(); });
})();
`;

/** Extra rules of the terminal page (the panel's size). */
const TERMINAL_STYLESHEET = `#terminal{height:70vh;min-height:12rem;background:#000;padding:4px}
.terminal-form{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin-bottom:.8rem}
.terminal-form select{font:inherit;padding:.4rem}
`;

const version = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 10);

/** The files under /static/ that only the terminal page uses, by name. */
export const TERMINAL_ASSETS: Readonly<Record<string, { body: string; type: string }>> = {
  "xterm.js": { body: read("@xterm/xterm/lib/xterm.js"), type: "text/javascript; charset=utf-8" },
  "xterm.css": { body: read("@xterm/xterm/css/xterm.css") + TERMINAL_STYLESHEET, type: "text/css; charset=utf-8" },
  "addon-fit.js": { body: read("@xterm/addon-fit/lib/addon-fit.js"), type: "text/javascript; charset=utf-8" },
  "terminal.js": { body: TERMINAL_SCRIPT, type: "text/javascript; charset=utf-8" },
};

/** Cache-busting versions of the terminal assets (they are cached for a year). */
export const TERMINAL_ASSET_VERSIONS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(TERMINAL_ASSETS).map(([name, file]) => [name, version(file.body)]),
);
