import { parseAppName } from "@qs/core";
import type { Command } from "../command.ts";
import { argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { usersOf } from "../users/support.ts";

/** `access:revoke APP USER`. */
export const accessRevokeCommand: Command = {
  name: "access:revoke",
  summary: "Take away a developer's access to an app",
  usage: "APP USER",
  mutating: true,
  adminOnly: true,
  api: {
    method: "delete",
    path: "/apps/{app}/access/{user}",
    toArgs: ({ params }) => argv([params.app ?? "", params.user ?? ""]),
  },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "access:revoke APP USER", min: 2, max: 2 });
    const app = parseAppName(positionals[0] ?? "");
    requireAdmin(ctx, "revoke access");
    const user = positionals[1] ?? "";
    await usersOf(ctx).revoke(user, app);
    return { json: { app, user, access: "revoked" }, text: `"${user}" may no longer use ${app}.` };
  },
};
