import { parseBranchName } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP BRANCH";

/** `apps:branch-set APP BRANCH`: pushes to this branch deploy; others are only stored. */
export const appsBranchSet: Command = {
  name: "apps:branch-set",
  aliases: ["branch:set"],
  summary: "Choose the branch whose pushes deploy",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/branch",
    body: { branch: { type: "string", description: "Branch name, e.g. main", required: true } },
    toArgs: (i) => argv([appParam(i), bodyString(i, "branch")]),
  },
  async run(ctx) {
    const u = `apps:branch-set ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 2, max: 2 });
    const app = await existingApp(ctx, positionals[0], u);
    const branch = parseBranchName(positionals[1] ?? "");
    await ctx.services.apps.update(app, (spec) => ({ ...spec, deployBranch: branch }));
    return { json: { app, branch }, text: `Pushes to ${branch} now deploy ${app}` };
  },
};
