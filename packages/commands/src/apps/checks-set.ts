import { UsageError, parseHealthCheckPath } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP --path /health | --tcp";

/** `apps:checks-set APP --path /health`: the web readiness check (HTTP GET or TCP). */
export const appsChecksSet: Command = {
  name: "apps:checks-set",
  aliases: ["checks:set"],
  summary: "Set the web readiness check: an HTTP path, or TCP on PORT",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/checks",
    body: { path: { type: "string", description: "HTTP path; absent = TCP check" } },
    toArgs: (i) => {
      const path = optionalString(i, "path");
      return argv([appParam(i)], path === undefined ? ["--tcp"] : flag("path", path));
    },
  },
  async run(ctx) {
    const u = `apps:checks-set ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        path: { type: "string", description: "HTTP GET path that answers 2xx when ready" },
        tcp: { type: "boolean", description: "Ready when PORT accepts connections" },
      },
      { usage: u, min: 1, max: 1 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    if ((flags.path === undefined) === !flags.tcp) throw new UsageError("give exactly one of --path and --tcp", { hint: `usage: ${u}` });
    const path = flags.path === undefined ? undefined : parseHealthCheckPath(flags.path);
    await ctx.services.apps.update(app, (spec) => {
      const { healthCheckPath: _old, ...rest } = spec;
      return path === undefined ? rest : { ...rest, healthCheckPath: path };
    });
    return {
      json: { app, healthCheckPath: path ?? null },
      text: path === undefined ? `${app} is ready when PORT accepts connections` : `${app} is ready when GET ${path} answers 2xx`,
    };
  },
};
