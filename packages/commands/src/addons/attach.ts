import { ADDON_KIND_INFO, parseAddonRef, parseAttachmentAs, attachmentVar } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyString, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { addonsOf, attach, authorizeOwner, checkVarFree } from "./shared.ts";

const usage = "APP OWNER/ADDON [--as NAME]";

/** `addons:attach APP OWNER/ADDON`: share another app's add-on; APP gets its URL (new release). */
export const addonsAttach: Command = {
  name: "addons:attach",
  summary: "Share an add-on with another app under a config var (--as NAME → NAME_URL)",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/addon-attachments",
    body: {
      addon: { type: "string", description: "OWNER/ADDON", required: true },
      as: { type: "string", description: "Config var prefix" },
    },
    toArgs: (i) => argv([appParam(i), bodyString(i, "addon")], flag("as", optionalString(i, "as"))),
  },
  async run(ctx) {
    const u = `addons:attach ${usage}`;
    const { positionals, flags } = parseArgs(ctx.args, { as: { type: "string", description: "Config var prefix" } }, { usage: u, min: 2, max: 2 });
    const app = await loadApp(ctx, positionals[0], u);
    const ref = parseAddonRef(app.name, positionals[1], u);
    await authorizeOwner(ctx, ref.owner, u);
    const info = await addonsOf(ctx).get(ref.owner, ref.name);
    const attachment = { ...ref, as: parseAttachmentAs(flags.as ?? ADDON_KIND_INFO[info.kind].variable) };
    checkVarFree(app, attachment);
    const release = await attach(ctx, app.name, attachment);
    return {
      json: { app: app.name, addon: `${ref.owner}/${ref.name}`, var: attachmentVar(attachment), release: release ?? null },
      text: ctx.json ? "" : `Attached ${ref.owner}/${ref.name} to ${app.name} as ${attachmentVar(attachment)}`,
    };
  },
};
