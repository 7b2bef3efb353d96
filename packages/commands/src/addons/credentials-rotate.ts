import { attachmentVar, parseAddonRef } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { authorizeApp } from "../guard.ts";
import { lineSink } from "../output.ts";
import { restartAfterConfig } from "../apps/restart-after-config.ts";
import { addonParam, addonsOf, attachmentsOf, authorizeOwner } from "./shared.ts";

const usage = "APP ADDON";

/**
 * `addons:credentials-rotate APP ADDON`: a new password; the server restarts with it, then
 * every app using the add-on gets the new URL in a new release.
 */
export const addonsCredentialsRotate: Command = {
  name: "addons:credentials-rotate",
  summary: "Give an add-on a new password and release every app using it",
  usage,
  mutating: true,
  api: { method: "post", path: "/apps/{app}/addons/{addon}/credentials-rotate", toArgs: (i) => argv([appParam(i), addonParam(i)]) },
  async run(ctx) {
    const u = `addons:credentials-rotate ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 2, max: 2 });
    const app = await authorizeApp(ctx, positionals[0], u);
    const ref = parseAddonRef(app, positionals[1], u);
    await authorizeOwner(ctx, ref.owner, u);
    const addons = addonsOf(ctx);
    await addons.get(ref.owner, ref.name);
    const out = ctx.json ? { line: () => undefined } : lineSink(ctx.io.stdout);
    out.line(`-----> Rotating the credentials of ${ref.owner}/${ref.name}`);
    await addons.rotate(ref.owner, ref.name);
    const url = await addons.url(ref.owner, ref.name);
    const released: { app: string; release: number | null }[] = [];
    for (const { app: user, attachment } of await attachmentsOf(ctx, ref.owner, ref.name)) {
      await ctx.services.config.update(user, (vars) => ({ ...vars, [attachmentVar(attachment)]: url }));
      const r = await restartAfterConfig(ctx, user, `Rotate ${ref.owner}/${ref.name} credentials`, true);
      released.push({ app: user, release: r.number ?? null });
    }
    return { json: { addon: `${ref.owner}/${ref.name}`, released }, text: "" };
  },
};
