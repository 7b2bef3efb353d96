import { html } from "hono/html";
import type { AppDetail } from "@qs/core";
import { TERMINAL_ASSET_VERSIONS } from "../terminal-assets.ts";
import { layout, type Html, type LayoutUser } from "./layout.ts";

/** What the terminal page shows: the picker, and either the terminal or why there is none. */
export interface TerminalPageOptions {
  readonly user: LayoutUser;
  readonly app: AppDetail;
  readonly chosen: { readonly process?: string; readonly pod?: string; readonly command: string };
  /** Set when a session may be opened: the one-time ticket and the style nonce of this response. */
  readonly session?: { readonly ticket: string; readonly nonce: string; readonly wsPath: string };
  /** Why no terminal is offered (no TOTP, no running pod). */
  readonly refusal?: string;
}

/** An app's terminal page: process and pod picker, command field, xterm.js panel. */
export function terminalPage(options: TerminalPageOptions): Html {
  const { app, chosen, session } = options;
  const processes = [...new Set(app.pods.map((p) => p.process))].sort();
  const v = (name: string) => TERMINAL_ASSET_VERSIONS[name] ?? "";
  const head = session
    ? html`<link rel="stylesheet" href="/static/xterm.css?v=${v("xterm.css")}"><script src="/static/xterm.js?v=${v("xterm.js")}" defer></script><script src="/static/addon-fit.js?v=${v("addon-fit.js")}" defer></script><script src="/static/terminal.js?v=${v("terminal.js")}" defer></script>`
    : html``;
  const processOptions = processes.map((p) => html`<option value="${p}"${chosen.process === p ? " selected" : ""}>${p}</option>`);
  const podOptions = app.pods.map(
    (p) => html`<option value="${p.pod}"${chosen.pod === p.pod ? " selected" : ""}>${p.source} (${p.state}${p.ready ? "" : ", not ready"})</option>`,
  );
  return layout({
    title: `${app.name} terminal`,
    user: options.user,
    head,
    body: html`<h1><a href="/apps/${encodeURIComponent(app.name)}">${app.name}</a> terminal</h1>
<form class="terminal-form" method="get" action="/apps/${encodeURIComponent(app.name)}/terminal">
<label>Process <select name="process"><option value="">default (web)</option>${processOptions}</select></label>
<label>Pod <select name="pod"><option value="">first ready</option>${podOptions}</select></label>
<label>Command <input name="command" value="${chosen.command}" placeholder="shell" maxlength="4096"></label>
<button type="submit">Open</button>
</form>
${
  session
    ? html`<p class="mute" role="status" id="terminal-state">(needs JavaScript)</p>
<div id="terminal" data-ws="${session.wsPath}" data-ticket="${session.ticket}" data-style-nonce="${session.nonce}"></div>
<p class="mute">The session ends when the command exits, after a while without input or output, or when you log out. It is recorded in the audit log (who, pod, start, end, exit code; never what is typed or shown).</p>`
    : html`<p class="warn" id="terminal-refusal">${options.refusal ?? "No terminal."}</p>`
}`,
  });
}
