import { UnavailableError, ValidationError, parseBranchName, type SourceSettings } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyString, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP URL [--branch main] [--deploy-key generate] | APP --off";
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
      deployKey: { type: "string", description: '"generate": a new ed25519 deploy key; the public half is returned once' },
    },
    toArgs: (i) =>
      argv(
        [appParam(i), bodyString(i, "url")],
        [...flag("branch", optionalString(i, "branch")), ...flag("deploy-key", optionalString(i, "deployKey"))],
      ),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        branch: { type: "string", description: "Branch to deploy" },
        "deploy-key": { type: "string", description: "generate: a new ed25519 deploy key" },
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
    const keyFlag = flags["deploy-key"];
    if (keyFlag !== undefined && keyFlag !== "generate") {
      throw new ValidationError("INVALID_DEPLOY_KEY_FLAG", `--deploy-key ${JSON.stringify(keyFlag.slice(0, 20))} is not understood`, {
        hint: "use --deploy-key generate",
      });
    }
    let generated: { publicKey: string; secretName: string } | undefined;
    if (keyFlag === "generate") {
      if (ctx.services.deployKeys === undefined) {
        throw new UnavailableError("DEPLOY_KEYS_UNAVAILABLE", "deploy keys are not available on this control plane", { hint: "they need a cluster" });
      }
      generated = await ctx.services.deployKeys.generate(app);
    }
    let source: SourceSettings = { url, branch };
    await ctx.services.apps.update(app, (spec) => {
      const secret = generated?.secretName ?? spec.source?.deployKeySecret;
      source = { url, branch, ...(secret === undefined ? {} : { deployKeySecret: secret }) };
      return { ...spec, source };
    });
    const keyText =
      generated === undefined
        ? []
        : [
            "",
            "Deploy key (shown this once; add it to the repository as a read-only deploy key):",
            `  ${generated.publicKey}`,
            ...(url.startsWith("https://") ? ["A deploy key is used over SSH: for a private repo give the ssh:// URL of it."] : []),
          ];
    return {
      json: { app, source, ...(generated === undefined ? {} : { deployKey: generated.publicKey }) },
      text: [
        `${app} deploys ${branch} of ${url}`,
        `  deploy now:   ssh qs apps:deploy ${app}`,
        `  a given one:  ssh qs apps:deploy ${app} --ref SHA`,
        ...keyText,
      ].join("\n"),
    };
  },
};
