import { NotFoundError } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { buildsOf } from "./builds.ts";

const usage = "APP";

/** `apps:builds-cancel APP`: stops the running or queued build; the push is rejected. */
export const appsBuildsCancel: Command = {
  name: "apps:builds-cancel",
  aliases: ["builds:cancel"],
  summary: "Cancel the app's running or queued build",
  usage,
  mutating: true,
  api: { method: "post", path: "/apps/{app}/builds/cancel", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `apps:builds-cancel ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await existingApp(ctx, positionals[0], u);
    if (!(await buildsOf(ctx).cancel(app))) {
      throw new NotFoundError("NO_BUILD_RUNNING", `${app} has no running or queued build`);
    }
    return { json: { app, cancelled: true }, text: `Cancelled the build of ${app}; its push is rejected` };
  },
};
