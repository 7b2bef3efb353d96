import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { table } from "../output.ts";

const usage = "APP";

/** `apps:domains APP`: the default domain and the custom ones. */
export const appsDomains: Command = {
  name: "apps:domains",
  aliases: ["domains"],
  summary: "List an app's domains",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/domains", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `apps:domains ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await loadApp(ctx, positionals[0], u);
    const fallback = `${app.name}.${ctx.services.baseDomain}`;
    const json = { default: fallback, custom: app.spec.domains };
    const rows = [[fallback, "default"], ...app.spec.domains.map((d) => [d, "custom"])];
    return { json, text: table(["domain", "kind"], rows) };
  },
};
