import { UsageError, parseAddonRef } from "@qs/core";
import type { Command } from "../command.ts";
import { authorizeApp } from "../guard.ts";
import { opsIO } from "../users/support.ts";
import { addonsOf, authorizeOwner } from "./shared.ts";

const usage = "APP ADDON";

/** `addons:connect APP ADDON`: psql, mariadb, redis-cli or mongosh inside the add-on's pod (use `ssh -t`). */
export const addonsConnect: Command = {
  name: "addons:connect",
  summary: "Open the database client (psql, mariadb, redis-cli, mongosh) in the add-on's pod (ssh -t)",
  usage,
  mutating: true,
  async run(ctx) {
    const u = `addons:connect ${usage}`;
    if (ctx.args.length !== 2) throw new UsageError("expected APP and ADDON", { hint: `usage: ${u}` });
    const app = await authorizeApp(ctx, ctx.args[0], u);
    const ref = parseAddonRef(app, ctx.args[1], u);
    await authorizeOwner(ctx, ref.owner, u);
    const code = await addonsOf(ctx).connect(ref.owner, ref.name, opsIO(ctx), ctx.signal);
    return { json: { addon: `${ref.owner}/${ref.name}`, exitCode: code }, text: "", exitCode: code };
  },
};
