import { UsageError } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyBoolean, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { describeHook, parseHookPath, parseHookTimeout } from "./parse-hook.ts";
import { backupService } from "./shared.ts";

const usage = "APP [PATH [--timeout 60s] | --off]";

/**
 * `backups:hook APP /internal/pre-backup`: every backup run (backups:create and the
 * schedule's) first sends GET PATH to the app's web Service and backs up only after a 2xx.
 * Without PATH it shows the hook; --off removes it.
 */
export const backupsHook: Command = {
  name: "backups:hook",
  summary: "Tell the app before each backup: GET PATH on its web Service must answer 2xx (within --timeout) or the run fails; --off removes it",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/backups/hook",
    body: {
      path: { type: "string", description: "The path the app answers on, e.g. /internal/pre-backup; absent with off = remove" },
      timeout: { type: "string", description: "How long the app may take: 60s (default), 90 or 2m; at most 10m" },
      off: { type: "boolean", description: "Remove the hook" },
    },
    toArgs: (i) => {
      const path = optionalString(i, "path");
      return argv([appParam(i), ...(path === undefined ? [] : [path])], [...flag("timeout", optionalString(i, "timeout")), ...(bodyBoolean(i, "off") ? ["--off"] : [])]);
    },
  },
  async run(ctx) {
    const u = `backups:hook ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        timeout: { type: "string", description: "How long the app may take to answer: 60s (default), 90 or 2m; at most 10m" },
        off: { type: "boolean", description: "Remove the hook: backups run without telling the app" },
      },
      { usage: u, min: 1, max: 2 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    const given = positionals[1];
    if (flags.off && (given !== undefined || flags.timeout !== undefined)) throw new UsageError("--off takes no PATH or --timeout", { hint: `usage: ${u}` });
    if (!flags.off && given === undefined) {
      if (flags.timeout !== undefined) throw new UsageError("--timeout needs a PATH", { hint: `usage: ${u}` });
      const current = (await ctx.services.apps.get(app)).spec.backupHook;
      return {
        json: { app, hook: current ?? null },
        text: current === undefined ? `${app} declares no pre-backup hook (set one with: ssh qs backups:hook ${app} /internal/pre-backup)` : `${app}'s backups first call ${describeHook(current)}`,
      };
    }
    // Both checked before anything is changed.
    const hook = given === undefined ? undefined : { path: parseHookPath(given), timeoutSeconds: parseHookTimeout(flags.timeout) };
    const { scheduleUpdated } = await backupService(ctx).setHook(app, hook);
    const schedule = scheduleUpdated ? "; the schedule was updated" : "";
    return {
      json: { app, hook: hook ?? null, scheduleUpdated },
      text:
        hook === undefined
          ? `${app}'s backups no longer call a pre-backup hook${schedule}`
          : `${app}'s backups now first call ${describeHook(hook)} and go on only after a 2xx; any other answer, or none in time, fails the run before anything is read${schedule}`,
    };
  },
};
