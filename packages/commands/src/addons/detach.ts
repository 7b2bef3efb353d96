import { NotFoundError, attachmentVar, parseAddonRef } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { addonParam, detach } from "./shared.ts";

const usage = "APP [OWNER/]ADDON";

/** `addons:detach APP ADDON`: APP stops using the add-on (its var is unset, new release); the add-on stays. */
export const addonsDetach: Command = {
  name: "addons:detach",
  summary: "Stop an app using an add-on (unsets its URL var); the add-on stays",
  usage,
  mutating: true,
  api: { method: "delete", path: "/apps/{app}/addon-attachments/{addon}", toArgs: (i) => argv([appParam(i), addonParam(i).replace("~", "/")]) },
  async run(ctx) {
    const u = `addons:detach ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 2, max: 2 });
    const app = await loadApp(ctx, positionals[0], u);
    const ref = parseAddonRef(app.name, positionals[1], u);
    const found = (app.spec.addons ?? []).filter((x) => x.owner === ref.owner && x.name === ref.name);
    if (found.length === 0) {
      throw new NotFoundError("ADDON_NOT_ATTACHED", `${app.name} does not use add-on ${ref.owner}/${ref.name}`, {
        hint: `see what it uses with: ssh qs addons ${app.name}`,
      });
    }
    let release: number | undefined;
    for (const a of found) release = await detach(ctx, app.name, a);
    return {
      json: { app: app.name, addon: `${ref.owner}/${ref.name}`, vars: found.map(attachmentVar), release: release ?? null },
      text: ctx.json ? "" : `Detached ${ref.owner}/${ref.name} from ${app.name} (unset ${found.map(attachmentVar).join(", ")})`,
    };
  },
};
