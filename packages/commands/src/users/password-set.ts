import { ValidationError } from "@qs/core";
import { MAX_PASSWORD_LENGTH, hashPassword } from "../auth/index.ts";
import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { readAll, readLine, requireSelfOrAdmin, usersOf } from "./support.ts";

/** `users:password-set NAME`: the status-page password, read from stdin (never an argument). */
export const usersPasswordSetCommand: Command = {
  name: "users:password-set",
  summary: "Set a user's status-page password (read from stdin)",
  usage: "NAME  < password",
  mutating: true,
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "users:password-set NAME  < password", min: 1, max: 1 });
    const name = positionals[0] ?? "";
    requireSelfOrAdmin(ctx, name, "set the password");
    const users = usersOf(ctx);
    await users.get(name);
    let password: string | undefined;
    if (ctx.io.tty !== undefined) {
      // Interactive: prompt without echo; the terminal is raw, so nothing shows.
      ctx.io.stderr.write("New password: ");
      password = await readLine(ctx.io.stdin, ctx.signal, { max: MAX_PASSWORD_LENGTH });
      ctx.io.stderr.write("\r\n");
    } else {
      password = (await readAll(ctx.io.stdin, MAX_PASSWORD_LENGTH + 2, ctx.signal)).replace(/\r?\n$/, "");
    }
    if (password === undefined || password.length === 0) {
      throw new ValidationError("INVALID_PASSWORD", "no password on stdin", {
        hint: `pipe it in: ssh qs users:password-set ${name} < password.txt`,
      });
    }
    if (password.length < 8) {
      throw new ValidationError("INVALID_PASSWORD", "a password must be at least 8 characters long", {
        hint: "choose a passphrase of several words",
      });
    }
    await users.setPasswordHash(name, await hashPassword(password));
    return { json: { user: name, password: "set" }, text: `Password set for "${name}".` };
  },
};
