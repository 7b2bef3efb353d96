import type { Command } from "../command.ts";
import { argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { table } from "../output.ts";
import { requireSelfOrAdmin, usersOf } from "../users/support.ts";

/** `keys:list [USER]`: SSH keys of a user (yourself by default; admins: `--all` for everyone). */
export const keysListCommand: Command = {
  name: "keys:list",
  summary: "List SSH keys (yours, a user's, or with --all everyone's)",
  usage: "[USER] [--all]",
  mutating: false,
  api: {
    method: "get",
    path: "/keys",
    query: { user: { type: "string", description: "whose keys" }, all: { type: "boolean", description: "every user's keys" } },
    toArgs: ({ query }) => argv(query.user === undefined ? [] : [query.user], query.all === "true" ? ["--all"] : []),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      { all: { type: "boolean", description: "every user's keys (admins)" } },
      { usage: "keys:list [USER] [--all]", max: 1 },
    );
    const users = usersOf(ctx);
    let owners;
    if (flags.all) {
      requireAdmin(ctx, "list every user's keys");
      owners = await users.list();
    } else {
      const name = positionals[0] ?? ctx.principal.user;
      requireSelfOrAdmin(ctx, name, "list the keys");
      owners = [await users.get(name)];
    }
    const keys = owners.flatMap((u) => u.keys.map((k) => ({ user: u.name, ...k })));
    const rows = keys.map((k) => [k.user, k.fingerprint, k.algorithm, k.comment || "-", k.addedAt.slice(0, 10)]);
    return { json: keys, text: table(["user", "fingerprint", "type", "comment", "added"], rows) };
  },
};
