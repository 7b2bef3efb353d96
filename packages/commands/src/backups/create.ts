import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { backupService, describeBackup } from "./shared.ts";

const usage = "APP";

/** `backups:create APP`: backs the app's volumes and database add-ons up now and waits for the result. */
export const backupsCreate: Command = {
  name: "backups:create",
  summary: "Back an app's volumes and database add-ons up now",
  usage,
  mutating: true,
  api: { method: "post", path: "/apps/{app}/backups", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `backups:create ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await existingApp(ctx, positionals[0], u);
    const record = await backupService(ctx).create(app, ctx.signal);
    const line = describeBackup(record);
    return { json: record, text: record.status === "succeeded" ? `Backed up ${app}: ${line}` : `Backup of ${app} FAILED: ${line}`, ...(record.status === "succeeded" ? {} : { exitCode: 1 }) };
  },
};
