import { html } from "hono/html";
import type { CheckResult, MetricSample, NodeSummary } from "@qs/core";
import { formatBytes, formatCpu, statusClass } from "./format.ts";
import { layout, type Html, type LayoutUser } from "./layout.ts";
import { sparkline } from "./sparkline.ts";

const percent = (used: number | undefined, capacity: number) =>
  used === undefined || capacity <= 0 ? "" : ` (${Math.round((used / capacity) * 100)}%)`;

/** The cluster's nodes: status, capacity, usage with 24 h sparklines. */
export function nodesPage(options: {
  user: LayoutUser;
  nodes: readonly NodeSummary[];
  history: ReadonlyMap<string, readonly MetricSample[]>;
  /** The doctor's results; the health section is left out without them. */
  health?: readonly CheckResult[];
}): Html {
  const rows = options.nodes.map((n) => {
    const h = options.history.get(n.name) ?? [];
    return html`<tr><td>${n.name}</td><td class="${statusClass(n.status)}">${n.status}</td><td>${n.roles.join(", ") || "–"}</td><td>${n.version}</td>
<td>${formatCpu(n.cpuUsageMillicores)} / ${formatCpu(n.cpuCapacityMillicores)}${percent(n.cpuUsageMillicores, n.cpuCapacityMillicores)} ${sparkline(h.map((s) => s.cpuMillicores), "CPU, last 24 hours")}</td>
<td>${formatBytes(n.memoryUsageBytes)} / ${formatBytes(n.memoryCapacityBytes)}${percent(n.memoryUsageBytes, n.memoryCapacityBytes)} ${sparkline(h.map((s) => s.memoryBytes), "Memory, last 24 hours")}</td></tr>`;
  });
  return layout({
    title: "Nodes",
    user: options.user,
    body: html`<h1>Nodes</h1><div class="scroll"><table id="nodes"><thead><tr><th scope="col">Node</th><th scope="col">Status</th><th scope="col">Roles</th><th scope="col">Version</th><th scope="col">CPU</th><th scope="col">Memory</th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="mute">Add a node: <code>ssh qs nodes:join-command</code> and run its output on the new VPS.</p>${options.health === undefined ? "" : healthSection(options.health)}`,
  });
}

const HEALTH_CLASS = { ok: "ok", warn: "warn", fail: "bad" } as const;

/** The doctor's checks: status, finding and fix (the same as `ssh qs doctor`). */
function healthSection(results: readonly CheckResult[]): Html {
  const rows = results.map(
    (r) => html`<tr><td>${r.title}</td><td class="${HEALTH_CLASS[r.status]}">${r.status}</td><td>${r.finding}${r.status !== "ok" && r.fix !== undefined ? html`<br><span class="mute">Fix: ${r.fix}</span>` : ""}</td></tr>`,
  );
  return html`<h2>Health</h2><div class="scroll"><table id="health"><thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Finding</th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="mute">The same checks from a terminal, cron or CI: <code>ssh qs doctor</code> (exits 1 when one is not ok).</p>`;
}
