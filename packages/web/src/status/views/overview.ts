import { html } from "hono/html";
import type { AppSummary, MetricSample } from "@qs/core";
import { formatBytes, formatCpu, statusClass } from "./format.ts";
import { layout, type Html, type LayoutUser } from "./layout.ts";
import { sparkline } from "./sparkline.ts";

/** Ready/desired per process: `web 2/3 · worker 1/1`. */
export function processLine(app: AppSummary): Html | string {
  if (app.processes.length === 0) return html`<span class="mute">none</span>`;
  return html`${app.processes.map(
    (p, i) => html`${i > 0 ? " · " : ""}<span class="${p.ready < p.desired ? "warn" : "ok"}">${p.process} ${p.ready}/${p.desired}</span>`,
  )}`;
}

/** Domains as links (https: every domain gets a certificate). */
export function domainLinks(domains: readonly string[]): Html | string {
  if (domains.length === 0) return html`<span class="mute">–</span>`;
  return html`${domains.map((d, i) => html`${i > 0 ? ", " : ""}<a href="https://${d}" rel="noopener">${d}</a>`)}`;
}

/** CPU and memory now, with the 24 h sparklines. */
export function usageCells(
  cpu: number | undefined,
  memory: number | undefined,
  history: readonly MetricSample[],
): Html {
  return html`<td data-label="CPU">${formatCpu(cpu)} ${sparkline(history.map((s) => s.cpuMillicores), "CPU, last 24 hours")}</td><td data-label="Memory">${formatBytes(memory)} ${sparkline(history.map((s) => s.memoryBytes), "Memory, last 24 hours")}</td>`;
}

/** The overview: every app the user may see. */
export function overviewPage(options: {
  user: LayoutUser;
  apps: readonly AppSummary[];
  history: ReadonlyMap<string, readonly MetricSample[]>;
}): Html {
  const rows = options.apps.map(
    (app) => html`<tr>
<td class="name"><a href="/apps/${app.name}">${app.name}</a></td>
<td data-label="Status" class="${statusClass(app.status)}">${app.status}</td>
<td data-label="Release">${app.release ?? html`<span class="mute">–</span>`}</td>
<td data-label="Domains">${domainLinks(app.domains)}</td>
<td data-label="Processes">${processLine(app)}</td>
${usageCells(app.cpuMillicores, app.memoryBytes, options.history.get(app.name) ?? [])}
</tr>`,
  );
  return layout({
    title: "Apps",
    user: options.user,
    body: html`<h1>Apps</h1>${
      options.apps.length === 0
        ? html`<p>No apps yet. Create one with <code>ssh qs apps:create NAME</code>.</p>`
        : html`<div class="scroll"><table id="apps" class="cards">
<thead><tr><th scope="col">App</th><th scope="col">Status</th><th scope="col">Release</th><th scope="col">Domains</th><th scope="col">Processes</th><th scope="col">CPU</th><th scope="col">Memory</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    }`,
  });
}
