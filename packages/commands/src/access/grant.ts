import { AppNotFoundError, parseAppName } from "@qs/core";
import type { Command } from "../command.ts";
import { argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { usersOf } from "../users/support.ts";

/** `access:grant APP USER`: lets a developer push to and operate an app. */
export const accessGrantCommand: Command = {
  name: "access:grant",
  summary: "Let a developer use an app",
  usage: "APP USER",
  mutating: true,
  adminOnly: true,
  api: {
    method: "put",
    path: "/apps/{app}/access/{user}",
    toArgs: ({ params }) => argv([params.app ?? "", params.user ?? ""]),
  },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "access:grant APP USER", min: 2, max: 2 });
    const app = parseAppName(positionals[0] ?? "");
    requireAdmin(ctx, "grant access");
    if (!(await ctx.services.apps.exists(app))) throw new AppNotFoundError(app);
    const user = positionals[1] ?? "";
    await usersOf(ctx).grant(user, app);
    return { json: { app, user, access: "granted" }, text: `"${user}" may now use ${app}.` };
  },
};
