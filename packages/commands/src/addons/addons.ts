import { attachmentVar } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { table } from "../output.ts";
import { addonsOf } from "./shared.ts";

const usage = "APP";

/** `addons APP`: the add-ons an app owns and the ones it uses from other apps. */
export const addonsList: Command = {
  name: "addons",
  aliases: ["addons:list"],
  summary: "List an app's add-ons (databases and caches)",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/addons", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: `addons ${usage}`, min: 1, max: 1 });
    const app = await loadApp(ctx, positionals[0], `addons ${usage}`);
    const owned = await addonsOf(ctx).list(app.name);
    const uses = app.spec.addons ?? [];
    const json = { app: app.name, addons: owned, attachments: uses };
    if (owned.length === 0 && uses.length === 0) {
      return { json, text: `${app.name} has no add-ons (create one with: ssh qs addons:create ${app.name} postgres)` };
    }
    const rows = owned.map((a) => {
      const vars = uses.filter((u) => u.owner === a.owner && u.name === a.name).map(attachmentVar);
      return [a.name, `${a.kind} ${a.version}`, a.size, a.ready, vars.join(", ") || "-"];
    });
    for (const u of uses.filter((u) => u.owner !== app.name)) rows.push([`${u.owner}/${u.name}`, "shared", "-", "-", attachmentVar(u)]);
    return { json, text: table(["NAME", "KIND", "SIZE", "READY", "VARS"], rows) };
  },
};
