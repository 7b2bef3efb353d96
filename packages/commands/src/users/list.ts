import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { table } from "../output.ts";
import { usersOf } from "./support.ts";

/** `users:list`: every user with role, keys, granted apps and 2FA state. */
export const usersListCommand: Command = {
  name: "users:list",
  summary: "List users, their roles, keys and granted apps",
  usage: "",
  mutating: false,
  adminOnly: true,
  api: { method: "get", path: "/users", toArgs: () => [] },
  async run(ctx) {
    parseArgs(ctx.args, {}, { usage: "users:list", max: 0 });
    requireAdmin(ctx, "list users");
    const users = await usersOf(ctx).list();
    const rows = users.map((u) => [
      u.name,
      u.role,
      String(u.keys.length),
      u.role === "admin" ? "(all)" : u.apps.join(",") || "-",
      u.totpEnabled ? "on" : "off",
      u.hasPassword ? "set" : "-",
    ]);
    return { json: users, text: table(["user", "role", "keys", "apps", "2fa", "password"], rows) };
  },
};
