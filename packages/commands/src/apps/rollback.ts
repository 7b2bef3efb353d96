import { NotFoundError, parseReleaseNumber, type Release, type ReleaseManager } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { lineSink } from "../output.ts";

const usage = "APP [vN]";

/**
 * `apps:rollback APP [vN]`: a new release with vN's image and config; without vN the
 * release before the newest one, as `heroku rollback` does.
 */
export const appsRollback: Command = {
  name: "apps:rollback",
  aliases: ["rollback"],
  summary: "Roll back to an earlier release (as a new release)",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/rollback",
    body: { release: { type: "string", description: "Release to return to, e.g. v5 (default: the one before the newest)" } },
    toArgs: (i) => {
      const release = optionalString(i, "release");
      return argv([appParam(i), ...(release === undefined ? [] : [release])]);
    },
  },
  async run(ctx) {
    const u = `apps:rollback ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 2 });
    const app = await existingApp(ctx, positionals[0], u);
    const named = positionals[1];
    const target =
      named === undefined
        ? await previousRelease(ctx.services.releases, app)
        : await ctx.services.releases.get(app, parseReleaseNumber(named));
    const number = target.number;
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
      text: `Rolled back ${app} to v${number}${named === undefined ? ` (${target.description})` : ""} as v${release.number}`,
    };
  },
};

/** The release before the newest one (list is newest first). */
async function previousRelease(releases: ReleaseManager, app: string): Promise<Release> {
  const [newest, previous] = await releases.list(app);
  if (previous === undefined) {
    throw new NotFoundError(
      "NO_PREVIOUS_RELEASE",
      newest === undefined ? `${app} has no releases to roll back to` : `${app} has only v${newest.number}: there is no previous release`,
      { hint: newest === undefined ? `push the app first: git push qs main` : `see ssh qs apps:releases ${app}` },
    );
  }
  return previous;
}
