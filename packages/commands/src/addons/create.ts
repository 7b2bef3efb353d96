import {
  ADDON_KIND_INFO,
  parseAddonKind,
  parseAddonName,
  parseAddonVersion,
  parseAttachmentAs,
  parseQuantity,
  UsageError,
  attachmentVar,
} from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyString, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { lineSink } from "../output.ts";
import { addonsOf, attach, checkVarFree } from "./shared.ts";

const usage = "APP KIND [--version V] [--size 1Gi] [--as NAME] [--name ADDON]";

/**
 * `addons:create APP KIND`: a database or cache for the app (StatefulSet, volume, Secret,
 * Service in its namespace); once it answers, `DATABASE_URL` (REDIS_URL …, or NAME_URL
 * with --as) is set on the app, which makes a release, as on Heroku.
 */
export const addonsCreate: Command = {
  name: "addons:create",
  summary: "Create a database or cache add-on and set its URL on the app",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/addons",
    body: {
      kind: { type: "string", description: "postgres, redis, mariadb (mysql) or mongodb (mongo)", required: true },
      version: { type: "string", description: "Major version (default the newest offered)" },
      size: { type: "string", description: "Volume size, default 1Gi" },
      as: { type: "string", description: "Config var prefix (NAME → NAME_URL)" },
      name: { type: "string", description: "Add-on name, default the kind" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i), bodyString(i, "kind")],
        [
          ...flag("version", optionalString(i, "version")),
          ...flag("size", optionalString(i, "size")),
          ...flag("as", optionalString(i, "as")),
          ...flag("name", optionalString(i, "name")),
        ],
      ),
  },
  async run(ctx) {
    const u = `addons:create ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        version: { type: "string", description: "Major version" },
        size: { type: "string", description: "Volume size (default 1Gi)" },
        as: { type: "string", description: "Config var prefix" },
        name: { type: "string", description: "Add-on name" },
      },
      { usage: u, min: 2, max: 2 },
    );
    const app = await loadApp(ctx, positionals[0], u);
    if (positionals[1] === undefined) throw new UsageError("missing KIND", { hint: `usage: ${u}` });
    // Everything is validated before anything is made.
    const kind = parseAddonKind(positionals[1]);
    const version = parseAddonVersion(kind, flags.version);
    const size = parseQuantity(flags.size ?? "1Gi", "storage");
    const name = parseAddonName(flags.name ?? kind);
    const attachment = { name, owner: app.name, as: parseAttachmentAs(flags.as ?? ADDON_KIND_INFO[kind].variable) };
    checkVarFree(app, attachment);
    const addons = addonsOf(ctx);
    const out = ctx.json ? { line: () => undefined } : lineSink(ctx.io.stdout);
    const info = await addons.create(app.name, { name, kind, version, size });
    out.line(`-----> Creating ${kind} ${version} add-on ${name} for ${app.name} (${size})`);
    await addons.waitReady(app.name, name);
    out.line(`       ${name} is ready at ${info.host}:${info.port}`);
    out.line(`-----> Setting ${attachmentVar(attachment)} on ${app.name}`);
    const release = await attach(ctx, app.name, attachment);
    return {
      json: { app: app.name, addon: { ...info, ready: "1/1" }, var: attachmentVar(attachment), release: release ?? null },
      text: "",
    };
  },
};
