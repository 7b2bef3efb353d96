import { parseEnvKey } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyBoolean, bodyStrings } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { restartAfterConfig } from "./restart-after-config.ts";

const usage = "APP KEY… [--no-restart]";

/** `apps:config-unset APP K…`: removes vars; a release only when something was removed. */
export const appsConfigUnset: Command = {
  name: "apps:config-unset",
  aliases: ["config:unset"],
  summary: "Remove config vars and restart the app without them",
  usage,
  mutating: true,
  api: {
    method: "delete",
    path: "/apps/{app}/config",
    body: {
      keys: { type: "array", description: "Keys to remove", required: true },
      noRestart: { type: "boolean", description: "Apply at the next release instead of now" },
    },
    toArgs: (i) => argv([appParam(i), ...bodyStrings(i, "keys")], bodyBoolean(i, "noRestart") ? ["--no-restart"] : []),
  },
  async run(ctx) {
    const u = `apps:config-unset ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      { "no-restart": { type: "boolean", description: "Do not make a release now" } },
      { usage: u, min: 2 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    const keys = [...new Set(positionals.slice(1).map(parseEnvKey))];
    let removed: string[] = [];
    await ctx.services.config.update(app, (vars) => {
      removed = keys.filter((k) => k in vars);
      return Object.fromEntries(Object.entries(vars).filter(([k]) => !keys.includes(k)));
    });
    const missing = keys.filter((k) => !removed.includes(k));
    const lines: string[] = [];
    if (removed.length > 0) lines.push(`Unset ${removed.join(", ")} on ${app}`);
    if (missing.length > 0) lines.push(`Not set: ${missing.join(", ")}`);
    if (removed.length === 0) return { json: { app, removed, release: null, restarted: false }, text: lines.join("\n") };
    if (!ctx.json) ctx.io.stdout.write(`${lines.join("\n")}\n`);
    const release = await restartAfterConfig(ctx, app, `Unset ${removed.join(", ")}`, !flags["no-restart"]);
    return { json: { app, removed, release: release.number ?? null, restarted: release.number !== undefined }, text: release.text };
  },
};
