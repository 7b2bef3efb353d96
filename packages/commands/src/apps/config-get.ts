import { NotFoundError, parseEnvKey } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP KEY";

/** `apps:config-get APP KEY`: one value, raw (for `$(ssh qs apps:config-get shop KEY)`). */
export const appsConfigGet: Command = {
  name: "apps:config-get",
  aliases: ["config:get"],
  summary: "Print one config value",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/config/{key}", toArgs: (i) => argv([appParam(i), i.params.key ?? ""]) },
  async run(ctx) {
    const u = `apps:config-get ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 2, max: 2 });
    const app = await existingApp(ctx, positionals[0], u);
    const key = parseEnvKey(positionals[1] ?? "");
    const vars = await ctx.services.config.get(app);
    const value = vars[key];
    if (value === undefined) {
      throw new NotFoundError("CONFIG_KEY_NOT_FOUND", `${key} is not set for ${app}`, {
        hint: `set it with: ssh qs apps:config-set ${app} ${key}=VALUE`,
      });
    }
    return { json: { key, value }, text: value };
  },
};
