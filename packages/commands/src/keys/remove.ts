import { ForbiddenError, ValidationError } from "@qs/core";
import type { Command } from "../command.ts";
import { argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { usersOf } from "../users/support.ts";

/** `SHA256:` and 43 unpadded base64 characters, as `ssh-keygen -l` prints. */
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** `keys:remove FINGERPRINT`: developers may remove only their own keys. */
export const keysRemoveCommand: Command = {
  name: "keys:remove",
  summary: "Remove an SSH key by its SHA256 fingerprint",
  usage: "FINGERPRINT",
  mutating: true,
  api: { method: "delete", path: "/keys/{fingerprint}", toArgs: ({ params }) => argv([params.fingerprint ?? ""]) },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "keys:remove FINGERPRINT", min: 1, max: 1 });
    const fingerprint = positionals[0] ?? "";
    if (!FINGERPRINT.test(fingerprint)) {
      throw new ValidationError("INVALID_FINGERPRINT", `"${fingerprint.slice(0, 60)}" is not a SHA256 key fingerprint`, {
        hint: "copy it from: ssh qs keys:list",
      });
    }
    const users = usersOf(ctx);
    if (ctx.principal.role !== "admin") {
      const mine = await users.get(ctx.principal.user);
      if (!mine.keys.some((k) => k.fingerprint === fingerprint)) {
        throw new ForbiddenError("you can only remove your own keys", { hint: "see them with: ssh qs keys:list" });
      }
    }
    const { user, key } = await users.removeKey(fingerprint);
    return { json: { user, ...key }, text: `Removed key ${key.fingerprint} from "${user}".` };
  },
};
