import { attachmentVar, parseAddonRef } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { authorizeApp } from "../guard.ts";
import { keyValues } from "../output.ts";
import { addonParam, addonsOf, attachmentsOf, authorizeOwner } from "./shared.ts";

const usage = "APP ADDON";

/** `addons:info APP ADDON`: kind, version, size, state, host and who uses it (no credentials). */
export const addonsInfo: Command = {
  name: "addons:info",
  summary: "Show an add-on's kind, version, state and attachments",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/addons/{addon}", toArgs: (i) => argv([appParam(i), addonParam(i)]) },
  async run(ctx) {
    const u = `addons:info ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 2, max: 2 });
    const app = await authorizeApp(ctx, positionals[0], u);
    const ref = parseAddonRef(app, positionals[1], u);
    await authorizeOwner(ctx, ref.owner, u);
    const info = await addonsOf(ctx).get(ref.owner, ref.name);
    const attachments = (await attachmentsOf(ctx, ref.owner, ref.name)).map((a) => ({ app: a.app, var: attachmentVar(a.attachment) }));
    const text = keyValues([
      ["name", `${info.owner}/${info.name}`],
      ["kind", `${info.kind} ${info.version}`],
      ["image", info.image],
      ["size", info.size],
      ["ready", info.ready],
      ["host", `${info.host}:${info.port}`],
      ["attached", attachments.length === 0 ? "none" : attachments.map((a) => `${a.app} as ${a.var}`).join(", ")],
    ]);
    return { json: { ...info, attachments }, text };
  },
};
