import { html } from "hono/html";
import type { AddonSummary } from "@qs/core";
import { statusClass } from "./format.ts";
import type { Html } from "./layout.ts";

/** The app page's add-ons table (kind, version, state, variable; never a credential). */
export function addonSection(app: string, addons: readonly AddonSummary[] | undefined): Html | string {
  if (addons === undefined) return "";
  const rows = addons.map(
    (a) =>
      html`<tr><td>${a.owner === app ? a.name : `${a.owner}/${a.name}`}</td><td>${a.kind}</td><td>${a.version}</td><td class="${statusClass(a.status)}">${a.status}</td><td>${a.variable === undefined ? html`<span class="mute">not attached</span>` : html`<code>${a.variable}</code>`}</td></tr>`,
  );
  return html`<h2>Add-ons</h2>
${rows.length > 0 ? html`<div class="scroll"><table id="addons"><thead><tr><th scope="col">Add-on</th><th scope="col">Kind</th><th scope="col">Version</th><th scope="col">State</th><th scope="col">Variable</th></tr></thead><tbody>${rows}</tbody></table></div>` : html`<p class="mute">No add-ons: <code>ssh qs addons:create ${app} postgres</code></p>`}`;
}
