import { ForbiddenError } from "@qs/core";
import type { Command } from "../command.ts";
import { argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { usersOf } from "./support.ts";

/** `users:remove NAME`: deletes the user with their keys, tokens and grants. */
export const usersRemoveCommand: Command = {
  name: "users:remove",
  summary: "Remove a user with their keys, tokens and grants",
  usage: "NAME",
  mutating: true,
  adminOnly: true,
  api: { method: "delete", path: "/users/{name}", toArgs: ({ params }) => argv([params.name ?? ""]) },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "users:remove NAME", min: 1, max: 1 });
    requireAdmin(ctx, "remove users");
    const name = positionals[0] ?? "";
    if (name === ctx.principal.user) {
      throw new ForbiddenError("you cannot remove yourself", { hint: "ask another admin" });
    }
    await usersOf(ctx).remove(name);
    return { json: { removed: name }, text: `Removed user "${name}".` };
  },
};
