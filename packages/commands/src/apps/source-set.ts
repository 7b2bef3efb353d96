import { ValidationError, parseBranchName, type SourceSettings } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyString, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP URL [--branch main] | APP --off";
const u = `apps:source-set ${usage}`;

/**
 * https Git URLs (the usual form for a Git host), ssh:// for deploy keys, and file:// for a
 * repo on the server itself. No `ext::` or other transports that run commands.
 */
const SOURCE_URL = /^(https:\/\/[^\s@/]+(:[0-9]+)?\/[^\s]+|ssh:\/\/[^\s/]+\/[^\s]+|file:\/\/\/[^\s]+)$/;

/** Validates a source URL; credentials in the URL are refused (they would be stored in plain sight). */
export function parseSourceUrl(input: string): string {
  if (/^[a-z]+:\/\/[^/]*:[^/]*@/i.test(input)) {
    throw new ValidationError("SOURCE_URL_CREDENTIALS", "the URL carries a password or token", {
      hint: "give the URL without credentials; for a private repo use --deploy-key generate with an ssh:// URL",
    });
  }
  if (input.length > 2048 || !SOURCE_URL.test(input)) {
    throw new ValidationError("INVALID_SOURCE_URL", `${JSON.stringify(input.slice(0, 80))} is not a Git URL QuickStack fetches`, {
      hint: "use https://host/team/repo.git (or ssh://git@host/team/repo.git with a deploy key)",
    });
  }
  return input;
}

/** `apps:source-set APP URL [--branch main]`: QuickStack fetches and deploys from a Git URL. */
export const appsSourceSet: Command = {
  name: "apps:source-set",
  summary: "Deploy from a Git URL (apps:deploy, webhooks) besides receiving pushes",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/source",
    body: {
      url: { type: "string", description: "https Git URL", required: true },
      branch: { type: "string", description: "Branch to deploy (default main)" },
    },
    toArgs: (i) => argv([appParam(i), bodyString(i, "url")], flag("branch", optionalString(i, "branch"))),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        branch: { type: "string", description: "Branch to deploy" },
        off: { type: "boolean", description: "Forget the source URL" },
      },
      { usage: u, min: 1, max: 2 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    if (flags.off) {
      await ctx.services.apps.update(app, (spec) => {
        const { source: _dropped, ...rest } = spec;
        return rest;
      });
      return { json: { app, source: null }, text: `${app} no longer deploys from a Git URL` };
    }
    const url = parseSourceUrl(positionals[1] ?? "");
    const branch = parseBranchName(flags.branch ?? "main");
    let source: SourceSettings = { url, branch };
    await ctx.services.apps.update(app, (spec) => {
      source = { ...(spec.source?.deployKeySecret === undefined ? {} : { deployKeySecret: spec.source.deployKeySecret }), url, branch };
      return { ...spec, source };
    });
    return {
      json: { app, source },
      text: [`${app} deploys ${branch} of ${url}`, `  deploy now:   ssh qs apps:deploy ${app}`, `  a given one:  ssh qs apps:deploy ${app} --ref SHA`].join("\n"),
    };
  },
};
