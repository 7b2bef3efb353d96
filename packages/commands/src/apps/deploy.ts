import { UnavailableError, errorLines } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { lineSink } from "../output.ts";

const usage = "APP [--ref SHA]";

/** `apps:deploy APP [--ref SHA]`: fetch the source URL and deploy, as a push would. */
export const appsDeploy: Command = {
  name: "apps:deploy",
  summary: "Fetch the app's source URL and deploy its branch, or a given commit (--ref SHA)",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/deploys",
    body: { ref: { type: "string", description: "Commit sha to deploy (default: the branch tip)" } },
    toArgs: (i) => argv([appParam(i)], flag("ref", optionalString(i, "ref"))),
  },
  async run(ctx) {
    const u = `apps:deploy ${usage}`;
    const { positionals, flags } = parseArgs(ctx.args, { ref: { type: "string", description: "Commit sha" } }, { usage: u, min: 1, max: 1 });
    const app = await existingApp(ctx, positionals[0], u);
    const sources = ctx.services.sources;
    if (sources === undefined) {
      throw new UnavailableError("DEPLOYS_UNAVAILABLE", "fetch-and-deploy is not available on this control plane", {
        hint: "it needs a cluster; push with git instead",
      });
    }
    const out = lineSink(ctx.io.stderr);
    const result = await sources.deploy(
      { app, principal: ctx.principal, ...(flags.ref === undefined ? {} : { ref: flags.ref }) },
      out,
      ctx.signal,
    );
    if (!result.ok) for (const l of errorLines(result.reason)) out.line(l);
    return {
      json: { app, sha: result.sha ?? null, deployed: result.ok, ...(result.ok ? {} : { reason: result.reason }) },
      text: "",
      ...(result.ok ? {} : { exitCode: 1 }),
    };
  },
};
