import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { backupService } from "./shared.ts";

const usage = "APP";

/** `backups:drill APP`: restores the newest backup into a scratch namespace, checks every file, deletes it. */
export const backupsDrill: Command = {
  name: "backups:drill",
  summary: "Prove the newest backup restores: restore it aside, check every file's checksum and every table's rows, delete the copy",
  usage,
  mutating: true,
  api: { method: "post", path: "/apps/{app}/backups/drill", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `backups:drill ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await existingApp(ctx, positionals[0], u);
    const drill = await backupService(ctx).drill(app, ctx.signal);
    // For redis the "tables" are its numbered databases and the "rows" their keys.
    const databases = (drill.databases ?? [])
      .map((d) => `; ${d.kind} ${d.addon}: ${d.tables} ${d.kind === "redis" ? "database(s)" : "table(s)"}, ${d.rows} ${d.kind === "redis" ? "key(s)" : "row(s)"} loaded as counted at backup time`)
      .join("");
    return drill.ok
      ? { json: drill, text: `Drill passed: backup ${drill.backup} of ${app} restored and ${drill.files} file(s) matched their checksums${databases}` }
      : { json: drill, text: `Drill FAILED for backup ${drill.backup} of ${app}: ${drill.reason ?? "unknown reason"}`, exitCode: 1 };
  },
};
