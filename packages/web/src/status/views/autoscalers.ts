import { html } from "hono/html";
import type { AutoscalerState } from "@qs/core";
import type { Html } from "./layout.ts";

/** `45s`, `12m`, `3h`, `2d`: how long ago, in the largest whole unit. */
function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/**
 * The app page's autoscaler rows: per autoscaled process type its bounds, current/desired
 * replicas, use against targets and the last change with the HPA's reason (what apps:ps
 * prints). Nothing when no process type is autoscaled.
 */
export function autoscalerSection(autoscalers: readonly AutoscalerState[], nowMs: number): Html | "" {
  if (autoscalers.length === 0) return "";
  const rows = autoscalers.map((a) => {
    const settling = a.current !== a.desired;
    const when = a.lastScaleTime === undefined ? html`<span class="mute">never</span>` : html`<time datetime="${a.lastScaleTime}">${ago(nowMs - Date.parse(a.lastScaleTime))} ago</time>`;
    const why = a.problem === undefined ? (a.lastScaleReason ?? "") : html`<span class="warn">${a.problem}</span>${a.lastScaleReason === undefined ? "" : html`<br>${a.lastScaleReason}`}`;
    return html`<tr><td>${a.process}</td><td>${a.min}–${a.max}</td><td class="${settling ? "warn" : "ok"}">${a.current}/${a.desired}</td><td>${a.targets.join(", ") || "–"}</td><td>${when}</td><td class="mute">${why}</td></tr>`;
  });
  return html`<h2>Autoscaling</h2>
<div class="scroll"><table id="autoscalers"><thead><tr><th scope="col">Process</th><th scope="col">Bounds</th><th scope="col">Current/desired</th><th scope="col">Use/target</th><th scope="col">Last scaled</th><th scope="col">Why</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
