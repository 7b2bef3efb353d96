import { defaultHost, formatTtl, previewExpiresAt } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { table } from "../output.ts";
import { previewsOf } from "../previews/manager.ts";

const usage = "APP";

/** `apps:previews APP`: the app's preview apps, their branches, URLs and expiry. */
export const appsPreviews: Command = {
  name: "apps:previews",
  summary: "List an app's preview apps (one per pushed branch) and when idle ones expire",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/previews", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `apps:previews ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await loadApp(ctx, positionals[0], u);
    const settings = app.spec.previews;
    const scheme = ctx.services.appScheme ?? "https";
    const previews = previewsOf(await ctx.services.apps.list(), app.name).map((p) => {
      const expires = settings === undefined ? undefined : previewExpiresAt(p.spec, settings.ttlSeconds);
      return {
        name: p.name,
        branch: p.spec.preview?.branch ?? "",
        url: `${scheme}://${defaultHost(p.name, p.spec, ctx.services.baseDomain)}/`,
        lastPushAt: p.spec.preview?.lastPushAt ?? "",
        expiresAt: expires === undefined ? null : new Date(expires).toISOString(),
      };
    });
    const head =
      settings === undefined
        ? `Previews are off for ${app.name} (ssh qs apps:previews-enable ${app.name})`
        : `Previews of ${app.name}: ${previews.length}/${settings.limit}, idle ones destroyed after ${formatTtl(settings.ttlSeconds)}`;
    const rows = previews.map((p) => [p.name, p.branch, p.url, p.lastPushAt, p.expiresAt ?? "-"]);
    return {
      json: { app: app.name, enabled: settings !== undefined, settings: settings ?? null, previews },
      text: rows.length === 0 ? head : `${head}\n${table(["APP", "BRANCH", "URL", "LAST PUSH", "EXPIRES"], rows)}`,
    };
  },
};
