import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { table } from "../output.ts";
import { usersOf } from "../users/support.ts";

/** `tokens:list`: your tokens (admins see everyone's). Never the tokens themselves. */
export const tokensListCommand: Command = {
  name: "tokens:list",
  summary: "List API tokens (names and dates only)",
  usage: "",
  mutating: false,
  api: { method: "get", path: "/tokens", toArgs: () => [] },
  async run(ctx) {
    parseArgs(ctx.args, {}, { usage: "tokens:list", max: 0 });
    const users = usersOf(ctx);
    const owners = ctx.principal.role === "admin" ? await users.list() : [await users.get(ctx.principal.user)];
    const tokens = owners.flatMap((u) => u.tokens);
    return { json: tokens, text: table(["user", "name", "created"], tokens.map((t) => [t.user, t.name, t.createdAt])) };
  },
};
