import type { Command } from "../command.ts";
import { appParam, argv, bodyString, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { parseBackupSchedule, parseDrillRate, parseKeep } from "./parse-schedule.ts";
import { backupService } from "./shared.ts";

const usage = 'APP "daily 03:00" [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--drill weekly|daily|monthly|off]';

/**
 * `backups:schedule APP WHEN`: a CronJob backs the app's volumes up and prunes by the rules;
 * the control plane drills the newest scheduled backup at the --drill rate (default weekly).
 */
export const backupsSchedule: Command = {
  name: "backups:schedule",
  summary: "Back an app up on a schedule (UTC), keep what the --keep-* rules say, and drill the backups at the --drill rate (default weekly)",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/backups/schedule",
    body: {
      schedule: { type: "string", description: 'e.g. "daily 03:00"', required: true },
      keepDaily: { type: "string", description: "Daily snapshots kept" },
      keepWeekly: { type: "string", description: "Weekly snapshots kept" },
      keepMonthly: { type: "string", description: "Monthly snapshots kept" },
      drill: { type: "string", description: "How often a scheduled backup is restored aside and checked: daily, weekly (default), monthly or off" },
    },
    toArgs: (i) =>
      argv([appParam(i), bodyString(i, "schedule")], [
        ...flag("keep-daily", optionalString(i, "keepDaily")),
        ...flag("keep-weekly", optionalString(i, "keepWeekly")),
        ...flag("keep-monthly", optionalString(i, "keepMonthly")),
        ...flag("drill", optionalString(i, "drill")),
      ]),
  },
  async run(ctx) {
    const u = `backups:schedule ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        "keep-daily": { type: "string", description: "Daily snapshots kept" },
        "keep-weekly": { type: "string", description: "Weekly snapshots kept" },
        "keep-monthly": { type: "string", description: "Monthly snapshots kept" },
        drill: { type: "string", description: "Drill rate: daily, weekly (default), monthly or off" },
      },
      { usage: u, min: 2 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    // The schedule may come quoted or as separate words: `daily 03:00` either way.
    const when = positionals.slice(1).join(" ");
    const cron = parseBackupSchedule(when);
    const keep = (k: "daily" | "weekly" | "monthly"): { [key: string]: number } => {
      const n = parseKeep(`keep-${k}`, flags[`keep-${k}`]);
      return n === undefined ? {} : { [k]: n };
    };
    const retention = { ...keep("daily"), ...keep("weekly"), ...keep("monthly") };
    const drill = parseDrillRate(flags.drill);
    await backupService(ctx).schedule(app, cron, retention, drill);
    const kept = Object.entries(retention).map(([k, n]) => `${n} ${k}`).join(", ") || "everything";
    const drills = drill === "off" ? "no scheduled drills" : `the newest backup drilled ${drill} (see backups ${app})`;
    return { json: { app, schedule: when, cron, retention, drill }, text: `${app} is backed up ${when} (cron "${cron}" UTC); keeping ${kept}; ${drills}` };
  },
};
