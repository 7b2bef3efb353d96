import { ConflictError, attachmentVar } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag, optionalString } from "../api-args.ts";
import { detach } from "../addons/shared.ts";
import { parseArgs } from "../flags.ts";
import { existingApp, requireAdmin, requireConfirm } from "../guard.ts";

const usage = "APP --confirm APP [--force]";

/** `apps:destroy APP --confirm APP`: the App (Kubernetes collects what it owns) and its repo. */
export const appsDestroy: Command = {
  name: "apps:destroy",
  summary: "Delete an app, its config, volumes, git repository and images",
  usage,
  mutating: true,
  adminOnly: true,
  api: {
    method: "delete",
    path: "/apps/{app}",
    query: {
      confirm: { type: "string", description: "The app's name again", required: true },
      force: { type: "boolean", description: "Even when other apps use its add-ons (they are detached)" },
    },
    toArgs: (i) =>
      argv([appParam(i)], [...flag("confirm", i.query.confirm ?? optionalString(i, "confirm")), ...(i.query.force === "true" ? ["--force"] : [])]),
  },
  async run(ctx) {
    const u = `apps:destroy ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        confirm: { type: "string", description: "The app's name again" },
        force: { type: "boolean", description: "Even when other apps use its add-ons (they are detached)" },
      },
      { usage: u, min: 1, max: 1 },
    );
    requireAdmin(ctx, "destroy apps");
    const app = await existingApp(ctx, positionals[0], u);
    requireConfirm(app, flags.confirm, `destroying ${app}`);
    // Its add-ons go with it: other apps using one would keep a URL to nothing. As for
    // addons:destroy, that needs --force, and then they are detached first (new releases).
    const users = (await ctx.services.apps.list()).flatMap((a) =>
      a.name === app ? [] : (a.spec.addons ?? []).filter((x) => x.owner === app).map((attachment) => ({ app: a.name, attachment })),
    );
    if (users.length > 0 && flags.force !== true) {
      const list = users.map((x) => `${x.app} (${attachmentVar(x.attachment)} from ${app}/${x.attachment.name})`).join(", ");
      throw new ConflictError("ADDON_ATTACHED", `${app}'s add-ons are used by other apps: ${list}`, {
        hint: `detach them first (ssh qs addons:detach ${users[0]?.app ?? ""} ${app}/${users[0]?.attachment.name ?? ""}), or add --force to detach them as ${app} goes`,
      });
    }
    for (const x of users) await detach(ctx, x.app, x.attachment);
    await ctx.services.apps.destroy(app);
    await ctx.services.repos.remove(app);
    // A later app of the same name must not inherit this one's developers.
    await ctx.services.users?.forgetApp(app);
    // Nor its images. The app is gone already, so a registry failure only leaves disk used:
    // say so, and do not fail the destroy.
    let images: number | null = null;
    let imagesNote = "";
    if (ctx.services.images !== undefined) {
      try {
        images = (await ctx.services.images.removeApp(app)).deleted;
      } catch (err) {
        ctx.services.logger?.warn({ err: (err as Error).message, app }, "could not delete a destroyed app's images");
        imagesNote = `\n !     its images could not be deleted from the registry (${(err as Error).message}); they only use disk`;
      }
    }
    const deleted = images === null ? "" : ` (${images.toString()} image${images === 1 ? "" : "s"} deleted from the registry)`;
    const detached = users.length === 0 ? "" : `\n       detached its add-ons from ${users.map((x) => `${x.app} (unset ${attachmentVar(x.attachment)})`).join(", ")}`;
    return {
      json: { name: app, destroyed: true, imagesDeleted: images, detachedFrom: users.map((x) => x.app) },
      text: `Destroyed ${app}${deleted}${detached}${imagesNote}`,
    };
  },
};
