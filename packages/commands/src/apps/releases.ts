import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { table } from "../output.ts";

const usage = "APP";

/** `apps:releases APP`: newest first, the serving one marked. */
export const appsReleases: Command = {
  name: "apps:releases",
  aliases: ["releases"],
  summary: "List an app's releases",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/releases", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `apps:releases ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await loadApp(ctx, positionals[0], u);
    const releases = await ctx.services.releases.list(app.name);
    // `*` marks the release serving (the reconciler's status); the one the spec asks for
    // is shown as deploying until the rollout is reported done.
    const current = app.status.currentRelease ?? app.spec.release;
    const desired = app.spec.release;
    const mark = (n: number): string => (n === current ? " *" : n === desired ? " (deploying)" : "");
    const json = releases.map((r) => ({ ...r, current: r.number === current, desired: r.number === desired }));
    if (releases.length === 0) return { json, text: `${app.name} has no releases yet (git push to deploy)` };
    return {
      json,
      text: table(
        ["release", "created", "author", "description"],
        releases.map((r) => [`v${r.number}${mark(r.number)}`, r.createdAt, r.author, r.description]),
      ),
    };
  },
};
