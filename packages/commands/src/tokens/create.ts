import type { Command } from "../command.ts";
import { argv, bodyString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { usersOf } from "../users/support.ts";

/** `tokens:create NAME`: an API token for yourself, shown once (only its hash is kept). */
export const tokensCreateCommand: Command = {
  name: "tokens:create",
  summary: "Create an API token for yourself (shown once)",
  usage: "NAME",
  mutating: true,
  api: {
    method: "post",
    path: "/tokens",
    body: { name: { type: "string", description: "token name", required: true } },
    toArgs: (i) => argv([bodyString(i, "name")]),
  },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "tokens:create NAME", min: 1, max: 1 });
    const { token, info } = await usersOf(ctx).createToken(ctx.principal.user, positionals[0] ?? "");
    return {
      json: { ...info, token },
      text: [
        `Token "${info.name}" created. It is shown only now; store it safely:`,
        "",
        `  ${token}`,
        "",
        "Use it as: Authorization: Bearer <token>",
      ].join("\n"),
    };
  },
};
