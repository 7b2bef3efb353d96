import { AppNotFoundError } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { backupService } from "./shared.ts";

const usage = "APP BACKUP_ID [--to NEW_APP]";

/** `backups:restore APP ID [--to NEW_APP]`: writes a backup's files back into the volumes. */
export const backupsRestore: Command = {
  name: "backups:restore",
  summary: "Restore a backup into the app's volumes, or into another app's with --to",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/backups/{id}/restore",
    body: { to: { type: "string", description: "Restore into this app instead (it must exist with the same volumes)" } },
    toArgs: (i) => argv([appParam(i), i.params.id ?? ""], flag("to", optionalString(i, "to"))),
  },
  async run(ctx) {
    const u = `backups:restore ${usage}`;
    const { positionals, flags } = parseArgs(ctx.args, { to: { type: "string", description: "Restore into this app instead" } }, { usage: u, min: 2, max: 2 });
    const app = await existingApp(ctx, positionals[0], u);
    const id = positionals[1] ?? "";
    let to = app;
    if (flags.to !== undefined) {
      // Access to the target is checked like any app argument; the scope stays the source app.
      to = await existingApp({ ...ctx, scope: {} }, flags.to, u).catch((err: unknown) => {
        throw err instanceof AppNotFoundError ? new AppNotFoundError(flags.to ?? "") : err;
      });
    }
    await backupService(ctx).restore(app, id, to, ctx.signal);
    return { json: { app, backup: id, to }, text: to === app ? `Restored ${id} into ${app}'s volumes` : `Restored ${id} of ${app} into ${to}'s volumes (${app} untouched)` };
  },
};
