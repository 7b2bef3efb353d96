import {
  DEFAULT_PREVIEW_LIMIT,
  DEFAULT_PREVIEW_TTL_SECONDS,
  MAX_PREVIEW_PARENT,
  UnavailableError,
  ValidationError,
  formatTtl,
  parseAddonsMode,
  parseTtl,
  type PreviewSettings,
} from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP [--ttl 72h] [--config-from APP] [--addons none|fresh|shared] [--limit 5]";
const u = `apps:previews-enable ${usage}`;

/** `apps:previews-enable APP …`: pushes of other branches get their own preview app. */
export const appsPreviewsEnable: Command = {
  name: "apps:previews-enable",
  summary: "Give every pushed branch its own preview app (review apps)",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/previews",
    body: {
      ttl: { type: "string", description: "Idle previews are destroyed after this, e.g. 72h (default), 30m, 7d" },
      configFrom: { type: "string", description: "App whose config new previews copy (default: the app)" },
      addons: { type: "string", description: "fresh (own add-ons, destroyed with the preview), shared (the parent's) or none (default)" },
      limit: { type: "string", description: "Previews at most (default 5)" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i)],
        [
          ...flag("ttl", optionalString(i, "ttl")),
          ...flag("config-from", optionalString(i, "configFrom")),
          ...flag("addons", optionalString(i, "addons")),
          ...flag("limit", optionalString(i, "limit")),
        ],
      ),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        ttl: { type: "string", description: "Idle lifetime, e.g. 72h" },
        "config-from": { type: "string", description: "App whose config new previews copy" },
        addons: { type: "string", description: "fresh, shared or none" },
        limit: { type: "string", description: "Previews at most" },
      },
      { usage: u, min: 1, max: 1 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    if (app.length > MAX_PREVIEW_PARENT) {
      throw new ValidationError("PREVIEW_PARENT_TOO_LONG", `${app} has ${app.length} characters; apps with previews have at most ${MAX_PREVIEW_PARENT}`, {
        hint: "previews are named <app>--<branch> within the 30-character app name limit",
      });
    }
    const current = (await ctx.services.apps.get(app)).spec;
    if (current.preview !== undefined) {
      throw new ValidationError("PREVIEW_OF_PREVIEW", `${app} is a preview of ${current.preview.parent}; previews have no previews`, {
        hint: `run it on the parent: ssh qs apps:previews-enable ${current.preview.parent}`,
      });
    }
    const configFrom = flags["config-from"] === undefined ? undefined : await existingApp(ctx, flags["config-from"], u);
    const settings: PreviewSettings = {
      ttlSeconds: flags.ttl === undefined ? (current.previews?.ttlSeconds ?? DEFAULT_PREVIEW_TTL_SECONDS) : parseTtl(flags.ttl),
      limit: flags.limit === undefined ? (current.previews?.limit ?? DEFAULT_PREVIEW_LIMIT) : parseLimit(flags.limit),
      addons: parseAddonsMode(flags.addons ?? "none"),
      ...(configFrom === undefined || configFrom === app ? {} : { configFrom }),
    };
    if (settings.addons !== "none" && ctx.services.addons === undefined) {
      throw new UnavailableError("NOT_CONFIGURED", `--addons ${settings.addons} needs add-ons, which this control plane does not have`, {
        hint: "use --addons none, or run the control plane with a Kubernetes connection",
      });
    }
    await ctx.services.apps.update(app, (spec) => ({ ...spec, previews: settings }));
    return {
      json: { app, previews: settings },
      text: [
        `Previews enabled for ${app}: each pushed branch other than ${current.deployBranch} gets its own app`,
        `  git push qs feature/login   → ${app}--feature-login at ${ctx.services.appScheme ?? "https"}://feature-login.${app}.${ctx.services.baseDomain}`,
        `  git push qs :feature/login  → destroys it`,
        `Idle previews are destroyed after ${formatTtl(settings.ttlSeconds)}; at most ${settings.limit}; config from ${settings.configFrom ?? app}; add-ons: ${settings.addons}`,
      ].join("\n"),
    };
  },
};

function parseLimit(input: string): number {
  const n = /^[0-9]{1,3}$/.test(input) ? Number(input) : NaN;
  if (!(n >= 1 && n <= 50)) {
    throw new ValidationError("INVALID_PREVIEW_LIMIT", `--limit "${input.slice(0, 20)}" is not a number from 1 to 50`, {
      hint: "e.g. --limit 5",
    });
  }
  return n;
}
