import { ConflictError } from "@qs/core";
import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { requireSelfOrAdmin, usersOf } from "./support.ts";

/** `users:2fa-disable [NAME]`: turns TOTP off and drops the recovery codes. */
export const users2faDisableCommand: Command = {
  name: "users:2fa-disable",
  summary: "Turn off two-factor login (admins: for anyone, e.g. a lost phone)",
  usage: "[NAME]",
  mutating: true,
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "users:2fa-disable [NAME]", max: 1 });
    const name = positionals[0] ?? ctx.principal.user;
    requireSelfOrAdmin(ctx, name, "change two-factor login");
    const users = usersOf(ctx);
    if (!(await users.get(name)).totpEnabled) {
      throw new ConflictError("TOTP_DISABLED", `two-factor login is not on for "${name}"`);
    }
    await users.setTotp(name, undefined);
    return { json: { user: name, totp: "disabled" }, text: `Two-factor login is off for "${name}".` };
  },
};
