import { html } from "hono/html";
import type { AppDetail, MetricSample } from "@qs/core";
import { conditionClass, formatBytes, formatCpu, statusClass } from "./format.ts";
import { layout, type Html, type LayoutUser } from "./layout.ts";
import { domainLinks, processLine, usageCells } from "./overview.ts";
import { autoscalerSection } from "./autoscalers.ts";
import { addonSection } from "./addons.ts";

/** Build output lines shown at most (the end matters: that is where it failed). */
const BUILD_LINES = 200;

/** One app: releases, domains and certificates, processes and pods, volumes, config keys, last build, live logs. */
export function appPage(options: {
  user: LayoutUser;
  app: AppDetail;
  history: readonly MetricSample[];
  /** Lines already known when the page was rendered. */
  tail: readonly string[];
  /** Offer the web terminal (the control plane has one). */
  terminal?: boolean;
}): Html {
  const { app } = options;
  const stream = `/apps/${encodeURIComponent(app.name)}/logs`;
  const conditions = app.conditions.map(
    (c) => html`<li><span class="${conditionClass(c.type, c.status)}">${c.type}: ${c.status}</span>${c.reason ? html` — ${c.reason}` : ""}${c.message ? html` <span class="mute">${c.message}</span>` : ""}</li>`,
  );
  const releases = app.releases.map(
    (r) => html`<tr><td>${r.version}${r.current ? html` <span class="ok">(current)</span>` : ""}</td><td>${r.author}</td><td>${r.description}</td><td><time datetime="${r.createdAt}">${r.createdAt.replace("T", " ").slice(0, 16)}</time></td></tr>`,
  );
  const domains = app.domainStatus.map(
    (d) => html`<tr><td><a href="https://${d.host}" rel="noopener">${d.host}</a></td><td class="${statusClass(d.certificate)}">${d.certificate}</td><td class="mute">${d.certificateMessage ?? ""}</td></tr>`,
  );
  const pods = app.pods.map(
    (p) => html`<tr><td>${p.source}</td><td class="${statusClass(p.ready ? "ready" : p.state)}">${p.state}${p.ready ? "" : " (not ready)"}</td><td>${p.restarts}</td><td>${p.node ?? "–"}</td><td>${formatCpu(p.cpuMillicores)}</td><td>${formatBytes(p.memoryBytes)}</td></tr>`,
  );
  const volumes = app.volumes.map(
    (v) => html`<tr><td>${v.name}</td><td><code>${v.mountPath}</code></td><td>${v.size}</td><td>${v.processes.length > 0 ? v.processes.join(", ") : html`<span class="mute">all</span>`}</td></tr>`,
  );
  // Names only: the status source never hands the values to a view.
  const configKeys = app.configKeys.map((k) => html`<li><code>${k}</code></li>`);
  const build = app.lastBuild;
  const buildLines = build ? build.output.slice(-BUILD_LINES).join("\n") : "";
  return layout({
    title: app.name,
    user: options.user,
    live: true,
    body: html`<h1>${app.name} <span class="${statusClass(app.status)}">${app.status}</span></h1>
<div class="scroll"><table><tbody>
<tr><th scope="row">Release</th><td>${app.release ?? "–"}</td></tr>
<tr><th scope="row">Domains</th><td>${domainLinks(app.domains)}</td></tr>
<tr><th scope="row">Processes</th><td>${processLine(app)}</td></tr>
${app.backups === undefined ? "" : html`<tr id="backups"><th scope="row">Backups</th><td class="${app.backups.status === "ok" ? "ok" : app.backups.status === "none" ? "mute" : "bad"}">${app.backups.status === "ok" || app.backups.status === "none" ? "" : `${app.backups.status.toUpperCase()}: `}${app.backups.finding}</td></tr>`}
</tbody></table></div>
<table><thead><tr><th scope="col">CPU</th><th scope="col">Memory</th></tr></thead><tbody><tr>${usageCells(app.cpuMillicores, app.memoryBytes, options.history)}</tr></tbody></table>
${conditions.length > 0 ? html`<h2>Conditions</h2><ul id="conditions">${conditions}</ul>` : ""}
<h2>Processes and pods</h2>
${pods.length > 0 ? html`<div class="scroll"><table id="pods"><thead><tr><th scope="col">Pod</th><th scope="col">State</th><th scope="col">Restarts</th><th scope="col">Node</th><th scope="col">CPU</th><th scope="col">Memory</th></tr></thead><tbody>${pods}</tbody></table></div>` : html`<p class="mute">No pods running.</p>`}
${autoscalerSection(app.autoscalers ?? [], Date.now())}
${options.terminal ? html`<p><a id="terminal-link" href="/apps/${encodeURIComponent(app.name)}/terminal">Terminal</a> <span class="mute">a shell in a running container</span></p>` : ""}
<h2>Logs <span class="mute" id="log-state">(live with JavaScript)</span></h2>
<pre id="log" data-stream="${stream}" tabindex="0" aria-live="polite" aria-label="Log lines">${options.tail.join("\n")}${options.tail.length > 0 ? "\n" : ""}</pre>
<h2>Releases</h2>
${releases.length > 0 ? html`<div class="scroll"><table id="releases"><thead><tr><th scope="col">Version</th><th scope="col">By</th><th scope="col">Description</th><th scope="col">When (UTC)</th></tr></thead><tbody>${releases}</tbody></table></div>` : html`<p class="mute">No releases yet: <code>git push qs main</code>.</p>`}
${addonSection(app.name, app.addons)}
<h2>Domains and certificates</h2>
${domains.length > 0 ? html`<div class="scroll"><table id="domains"><thead><tr><th scope="col">Domain</th><th scope="col">Certificate</th><th scope="col">Detail</th></tr></thead><tbody>${domains}</tbody></table></div>` : html`<p class="mute">No custom domains.</p>`}
<h2>Volumes</h2>
${volumes.length > 0 ? html`<div class="scroll"><table id="volumes"><thead><tr><th scope="col">Volume</th><th scope="col">Mounted at</th><th scope="col">Size</th><th scope="col">Processes</th></tr></thead><tbody>${volumes}</tbody></table></div>` : html`<p class="mute">No volumes.</p>`}
<h2>Config</h2>
${configKeys.length > 0 ? html`<ul id="config-keys" class="keys">${configKeys}</ul><p class="mute">Values are not shown: <code>ssh qs apps:config-get ${app.name} KEY</code></p>` : html`<p class="mute">No config vars.</p>`}
<h2>Last build${build ? html` <span class="${statusClass(build.status)}">${build.status}</span>${build.sha ? html` <code>${build.sha.slice(0, 7)}</code>` : ""}` : ""}</h2>
${build ? html`<pre id="build" tabindex="0">${buildLines}</pre>` : html`<p class="mute">No build yet.</p>`}`,
  });
}
