import { formatBytes } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { table } from "../output.ts";
import { describeHook } from "./parse-hook.ts";
import { backupService } from "./shared.ts";

const usage = "APP";

/** `backups APP`: each backup run, newest first, with size, duration, status and its last drill. */
export const backupsList: Command = {
  name: "backups",
  aliases: ["backups:list"],
  summary: "List an app's backups (size, duration, status, last drill)",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/backups", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `backups ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await existingApp(ctx, positionals[0], u);
    const records = await backupService(ctx).list(app);
    const hook = (await ctx.services.apps.get(app)).spec.backupHook;
    const told = hook === undefined ? "" : `pre-backup hook: ${describeHook(hook)}\n`;
    if (records.length === 0) return { json: records, text: `${told}${app} has no backups yet (ssh qs backups:create ${app})` };
    return {
      json: records,
      text: told + table(
        ["id", "started", "status", "size", "duration", "drill"],
        records.map((r) => [
          `${r.id}${r.scheduled ? " (scheduled)" : ""}`,
          r.startedAt ?? "",
          r.status === "failed" && r.reason !== undefined ? `failed: ${r.reason}` : r.pruneSkipped !== undefined ? `${r.status} (prune put off)` : r.status,
          r.sizeBytes === undefined ? "" : formatBytes(r.sizeBytes),
          r.durationSeconds === undefined ? "" : `${r.durationSeconds} s`,
          r.drill === undefined ? "" : r.drill.ok ? `ok ${r.drill.at}` : `FAILED ${r.drill.at}: ${r.drill.reason ?? ""}`,
        ]),
      ),
    };
  },
};
