import { UnavailableError, type BuildControl } from "@qs/core";
import type { Command, CommandContext } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { table } from "../output.ts";

const usage = "APP";

/** The build port, or a clear error when this control plane has no build worker. */
export function buildsOf(ctx: CommandContext): BuildControl {
  const builds = ctx.services.builds;
  if (builds === undefined) {
    throw new UnavailableError("BUILDS_UNAVAILABLE", "builds are not available on this control plane", {
      hint: "the build worker is not configured; see the control plane log",
    });
  }
  return builds;
}

/** `apps:builds APP`: recent builds, newest first. */
export const appsBuilds: Command = {
  name: "apps:builds",
  aliases: ["builds"],
  summary: "List an app's recent builds",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/builds", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `apps:builds ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await existingApp(ctx, positionals[0], u);
    const builds = await buildsOf(ctx).list(app);
    if (builds.length === 0) return { json: [], text: `${app} has no builds yet (git push to build)` };
    return {
      json: builds,
      text: table(
        ["id", "state", "commit", "created", "reason"],
        builds.map((b) => [b.id, b.state, b.gitSha.slice(0, 7), b.createdAt, b.reason ?? ""]),
      ),
    };
  },
};
