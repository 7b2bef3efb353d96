import { UsageError, isDns1123Label } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { opsOf } from "../users/support.ts";

const usage = "APP [PROCESS]";
const u = `apps:restart ${usage}`;

/** `apps:restart APP [PROCESS]`: a rolling restart of every (or one) process type. */
export const appsRestart: Command = {
  name: "apps:restart",
  aliases: ["ps:restart", "restart"],
  summary: "Restart an app's processes (rolling)",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/restart",
    body: { process: { type: "string", description: "only this process type" } },
    toArgs: (i) => argv([appParam(i), ...(typeof i.body.process === "string" ? [i.body.process] : [])]),
  },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 2 });
    const app = await existingApp(ctx, positionals[0], u);
    const process = positionals[1];
    if (process !== undefined && !isDns1123Label(process)) {
      throw new UsageError(`"${process.slice(0, 40)}" is not a process type`, { hint: `usage: ${u}` });
    }
    const restarted = await opsOf(ctx).restart(app, process);
    return {
      json: { app, restarted },
      text: restarted.length === 0 ? `${app} has nothing running to restart.` : `Restarting ${restarted.join(", ")} of ${app}.`,
    };
  },
};
