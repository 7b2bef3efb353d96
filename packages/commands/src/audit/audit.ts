import { UnavailableError, UsageError } from "@qs/core";
import type { Command } from "../command.ts";
import { argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { authorizeApp, requireAdmin } from "../guard.ts";
import { table } from "../output.ts";

/** `audit [APP] [-n N]`: recorded mutating commands, newest first. Without APP admins only. */
export const auditCommand: Command = {
  name: "audit",
  summary: "Show who changed what (all apps: admins; one app: anyone with access)",
  usage: "[APP] [-n N]",
  mutating: false,
  api: {
    method: "get",
    path: "/audit",
    query: { app: { type: "string", description: "only this app" }, n: { type: "integer", description: "entries (default 50)" } },
    toArgs: ({ query }) => argv(query.app === undefined ? [] : [query.app], query.n === undefined ? [] : ["-n", query.n]),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      { num: { type: "string", short: "n", description: "how many entries (default 50, at most 1000)" } },
      { usage: "audit [APP] [-n N]", max: 1 },
    );
    const limit = flags.num === undefined ? 50 : Number(flags.num);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new UsageError(`-n must be a whole number from 1 to 1000`, { hint: `usage: ${"audit [APP] [-n N]"}` });
    }
    let app: string | undefined;
    if (positionals[0] === undefined) requireAdmin(ctx, "see the audit log of every app");
    else app = await authorizeApp(ctx, positionals[0], "audit [APP] [-n N]");
    if (ctx.services.audit === undefined) {
      throw new UnavailableError("NOT_CONFIGURED", "no audit log is configured on this control plane");
    }
    const entries = await ctx.services.audit.list({ ...(app === undefined ? {} : { app }), limit });
    const rows = entries.map((e) => [
      e.at.replace("T", " ").slice(0, 19),
      e.user,
      [e.command, ...e.args].join(" ").slice(0, 80),
      e.exitCode === 0 ? "ok" : `exit ${e.exitCode}${e.error === undefined ? "" : ` ${e.error}`}`,
    ]);
    return { json: entries, text: table(["time (utc)", "user", "command", "result"], rows) };
  },
};
