import { NotFoundError, parseReleaseNumber } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { lineSink } from "../output.ts";

const usage = "APP vN";

/** `apps:rollback APP vN`: a new release with vN's image and config. */
export const appsRollback: Command = {
  name: "apps:rollback",
  aliases: ["rollback"],
  summary: "Roll back to an earlier release (as a new release)",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/rollback",
    body: { release: { type: "string", description: "Release to return to, e.g. v5", required: true } },
    toArgs: (i) => argv([appParam(i), bodyString(i, "release")]),
  },
  async run(ctx) {
    const u = `apps:rollback ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 2, max: 2 });
    const app = await existingApp(ctx, positionals[0], u);
    const number = parseReleaseNumber(positionals[1] ?? "");
    const target = await ctx.services.releases.get(app, number);
    // An honest refusal now beats a rollout that ends in ImagePullBackOff.
    if ((await ctx.services.images?.has?.(app, target.image)) === false) {
      throw new NotFoundError("RELEASE_IMAGE_GONE", `the image of ${app} v${number} is no longer in the registry`, {
        hint: `only the newest images of each app are kept (QS_KEEP_IMAGES); pick a newer release from: ssh qs apps:releases ${app}`,
      });
    }
    const out = ctx.json ? { line: () => undefined } : lineSink(ctx.io.stdout);
    const release = await ctx.services.releases.rollback(app, number, ctx.principal.user, out);
    return {
      json: { app, rolledBackTo: number, release: release.number },
      text: `Rolled back ${app} to v${number} as v${release.number}`,
    };
  },
};
