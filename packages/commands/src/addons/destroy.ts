import { ConflictError, UsageError, parseAddonRef } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { authorizeApp } from "../guard.ts";
import { addonParam, addonsOf, attachmentsOf, detach } from "./shared.ts";

const usage = "APP ADDON --confirm ADDON [--purge] [--force]";

/**
 * `addons:destroy APP ADDON --confirm ADDON`: detaches it from its app and deletes it. The
 * volume stays unless --purge; an add-on other apps use is refused unless --force.
 */
export const addonsDestroy: Command = {
  name: "addons:destroy",
  summary: "Delete an add-on (its volume is kept unless --purge)",
  usage,
  mutating: true,
  api: {
    method: "delete",
    path: "/apps/{app}/addons/{addon}",
    query: {
      confirm: { type: "string", description: "The add-on's name again", required: true },
      purge: { type: "boolean", description: "Delete the volume too" },
      force: { type: "boolean", description: "Even when other apps use it" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i), addonParam(i)],
        [
          ...flag("confirm", i.query.confirm),
          ...(i.query.purge === "true" ? ["--purge"] : []),
          ...(i.query.force === "true" ? ["--force"] : []),
        ],
      ),
  },
  async run(ctx) {
    const u = `addons:destroy ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        confirm: { type: "string", description: "The add-on's name again" },
        purge: { type: "boolean", description: "Delete the volume too" },
        force: { type: "boolean", description: "Even when other apps use it" },
      },
      { usage: u, min: 2, max: 2 },
    );
    const app = await authorizeApp(ctx, positionals[0], u);
    const ref = parseAddonRef(app, positionals[1], u);
    if (ref.owner !== app) throw new UsageError("an add-on is destroyed through the app that owns it", { hint: `ssh qs addons:destroy ${ref.owner} ${ref.name} --confirm ${ref.name}` });
    const addons = addonsOf(ctx);
    await addons.get(app, ref.name);
    if (flags.confirm !== ref.name) {
      throw new UsageError(flags.confirm === undefined ? "destroying an add-on needs confirmation" : `--confirm "${flags.confirm}" does not match the add-on "${ref.name}"`, {
        hint: `repeat its name: --confirm ${ref.name}`,
      });
    }
    const users = await attachmentsOf(ctx, app, ref.name);
    const others = [...new Set(users.filter((x) => x.app !== app).map((x) => x.app))];
    if (others.length > 0 && !flags.force) {
      throw new ConflictError("ADDON_ATTACHED", `add-on ${app}/${ref.name} is used by ${others.join(", ")}`, {
        hint: `detach it first (ssh qs addons:detach ${others[0] ?? ""} ${app}/${ref.name}) or add --force`,
      });
    }
    for (const x of users) await detach(ctx, x.app, x.attachment);
    const { volumeKept } = await addons.destroy(app, ref.name, flags.purge);
    return {
      json: { app, addon: ref.name, detachedFrom: users.map((x) => x.app), volumeKept: volumeKept ?? null },
      text: ctx.json
        ? ""
        : `Destroyed add-on ${app}/${ref.name}${volumeKept === undefined ? "" : `; its volume ${volumeKept} is kept (delete it with --purge)`}`,
    };
  },
};
