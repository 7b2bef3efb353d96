import { ValidationError } from "@qs/core";
import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { readAll, requireSelfOrAdmin, usersOf } from "../users/support.ts";

/** `keys:add USER` with one OpenSSH public key line on stdin. */
export const keysAddCommand: Command = {
  name: "keys:add",
  summary: "Add an SSH public key (read from stdin) to a user",
  usage: "USER  < key.pub",
  mutating: true,
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "keys:add USER  < key.pub", min: 1, max: 1 });
    const name = positionals[0] ?? "";
    requireSelfOrAdmin(ctx, name, "add keys");
    const line = (await readAll(ctx.io.stdin, 16_384, ctx.signal)).trim();
    if (line.length === 0) {
      throw new ValidationError("INVALID_SSH_KEY", "no public key on stdin", {
        hint: `pipe it in: ssh qs keys:add ${name} < ~/.ssh/id_ed25519.pub`,
      });
    }
    const key = await usersOf(ctx).addKey(name, line);
    return { json: { user: name, ...key }, text: `Added ${key.algorithm} key ${key.fingerprint} to "${name}".` };
  },
};
