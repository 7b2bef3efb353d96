import { UsageError } from "@qs/core";
import type { Command } from "../command.ts";
import { argv, bodyString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { usersOf } from "./support.ts";

/** `users:add NAME [--role admin|developer]`. */
export const usersAddCommand: Command = {
  name: "users:add",
  summary: "Add a user (developer by default)",
  usage: "NAME [--role admin|developer]",
  mutating: true,
  adminOnly: true,
  api: {
    method: "post",
    path: "/users",
    body: {
      name: { type: "string", description: "user name", required: true },
      role: { type: "string", description: "admin or developer" },
    },
    toArgs: (i) => argv([bodyString(i, "name")], typeof i.body.role === "string" ? ["--role", i.body.role] : []),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      { role: { type: "string", short: "r", description: "admin or developer" } },
      { usage: "users:add NAME [--role admin|developer]", min: 1, max: 1 },
    );
    requireAdmin(ctx, "add users");
    const role = flags.role ?? "developer";
    if (role !== "admin" && role !== "developer") {
      throw new UsageError(`unknown role "${role.slice(0, 20)}"`, { hint: "roles are admin and developer" });
    }
    const user = await usersOf(ctx).create(positionals[0] ?? "", role);
    return {
      json: user,
      text: `Added ${user.role} "${user.name}".\nAdd their SSH key with: ssh qs keys:add ${user.name} < their_key.pub`,
    };
  },
};
