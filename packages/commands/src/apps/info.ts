import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { keyValues } from "../output.ts";
import { describeBackupHealth } from "../backups/shared.ts";
import { describeHook } from "../backups/parse-hook.ts";
import { appState, defaultUrl, formatScale } from "./shared.ts";

const usage = "APP";

/** `apps:info APP`: the app's spec and state at a glance. */
export const appsInfo: Command = {
  name: "apps:info",
  summary: "Show an app's settings and state",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: `apps:info ${usage}`, min: 1, max: 1 });
    const app = await loadApp(ctx, positionals[0], `apps:info ${usage}`);
    const { spec } = app;
    const url = defaultUrl(ctx, app.name);
    // Best effort: a control plane without backups, or an API hiccup, must not hide the rest.
    const backups = await ctx.services.backups?.health(app.name).catch(() => undefined);
    const json = {
      name: app.name,
      url,
      state: appState(app),
      createdAt: app.createdAt,
      spec,
      status: app.status,
      ...(backups === undefined ? {} : { backups }),
    };
    const builder = [spec.builder.mode, spec.builder.engine ?? "default engine", spec.builder.dockerfile]
      .filter((p) => p !== undefined)
      .join(", ");
    const text = keyValues([
      ["name", app.name],
      ["url", url],
      ["state", appState(app)],
      ["release", spec.release === undefined ? "none (push to deploy)" : `v${spec.release}`],
      ["processes", formatScale(spec)],
      ["domains", spec.domains.length === 0 ? "none" : spec.domains.join(", ")],
      ["volumes", spec.volumes.length === 0 ? "none" : spec.volumes.map((v) => `${v.name}:${v.mountPath} (${v.size})`).join(", ")],
      ["add-ons", (spec.addons ?? []).length === 0 ? "none" : (spec.addons ?? []).map((a) => `${a.owner}/${a.name} as ${a.as}_URL`).join(", ")],
      ...(backups === undefined ? [] : [["backups", describeBackupHealth(backups)] as [string, string]]),
      ...(spec.backupHook === undefined ? [] : [["backup hook", describeHook(spec.backupHook)] as [string, string]]),
      ["branch", spec.deployBranch],
      ["health check", spec.healthCheckPath ?? "TCP on PORT"],
      ["builder", builder],
      ["created", app.createdAt],
    ]);
    return { json, text };
  },
};
