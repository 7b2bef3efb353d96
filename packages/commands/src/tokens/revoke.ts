import type { Command } from "../command.ts";
import { argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { requireSelfOrAdmin, usersOf } from "../users/support.ts";

/** `tokens:revoke NAME [--user USER]`: yours, or (admins) another user's. */
export const tokensRevokeCommand: Command = {
  name: "tokens:revoke",
  summary: "Revoke an API token",
  usage: "NAME [--user USER]",
  mutating: true,
  api: {
    method: "delete",
    path: "/tokens/{name}",
    query: { user: { type: "string", description: "owner (admins)" } },
    toArgs: ({ params, query }) => argv([params.name ?? ""], query.user === undefined ? [] : ["--user", query.user]),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      { user: { type: "string", short: "u", description: "owner of the token (admins)" } },
      { usage: "tokens:revoke NAME [--user USER]", min: 1, max: 1 },
    );
    const user = flags.user ?? ctx.principal.user;
    requireSelfOrAdmin(ctx, user, "revoke the tokens");
    const name = positionals[0] ?? "";
    await usersOf(ctx).revokeToken(user, name);
    return { json: { user, name, revoked: true }, text: `Revoked token "${name}" of "${user}".` };
  },
};
