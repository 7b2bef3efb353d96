import { checkConfigSize, parseEnvAssignment } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyBoolean, bodyStringMap } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { lineSink, maskValue } from "../output.ts";
import { restartAfterConfig } from "./restart-after-config.ts";

const usage = "APP KEY=VALUE… [--no-restart]";

/** `apps:config-set APP K=V…`: sets vars (all validated before any change) and makes a release. */
export const appsConfigSet: Command = {
  name: "apps:config-set",
  aliases: ["config:set"],
  summary: "Set config vars and restart the app with them",
  usage,
  mutating: true,
  api: {
    method: "patch",
    path: "/apps/{app}/config",
    body: {
      vars: { type: "object", description: "KEY → value", required: true },
      noRestart: { type: "boolean", description: "Apply at the next release instead of now" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i), ...Object.entries(bodyStringMap(i, "vars")).map(([k, v]) => `${k}=${v}`)],
        bodyBoolean(i, "noRestart") ? ["--no-restart"] : [],
      ),
  },
  async run(ctx) {
    const u = `apps:config-set ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      { "no-restart": { type: "boolean", description: "Do not make a release now" } },
      { usage: u, min: 2 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    const changes = new Map<string, string>();
    for (const arg of positionals.slice(1)) {
      const { key, value } = parseEnvAssignment(arg);
      changes.set(key, value);
    }
    // One read-modify-write: concurrent sets of other keys are retried on 409, not lost.
    await ctx.services.config.update(app, (vars) => {
      const next = { ...vars, ...Object.fromEntries(changes) };
      checkConfigSize(next);
      return next;
    });
    const keys = [...changes.keys()];
    const width = Math.max(...keys.map((k) => k.length));
    const lines = [
      `Set ${keys.join(", ")} on ${app}`,
      ...keys.map((k) => `  ${k.padEnd(width)}  ${maskValue(changes.get(k) ?? "")}`),
    ];
    if (!ctx.json) lineSink(ctx.io.stdout).line(lines.join("\n"));
    const release = await restartAfterConfig(ctx, app, `Set ${keys.join(", ")}`, !flags["no-restart"]);
    return {
      json: { app, keys, release: release.number ?? null, restarted: release.number !== undefined },
      text: release.text,
    };
  },
};
