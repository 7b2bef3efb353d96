import type { Command } from "../command.ts";
import { appParam, argv, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp, requireAdmin, requireConfirm } from "../guard.ts";

const usage = "APP --confirm APP";

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
    query: { confirm: { type: "string", description: "The app's name again", required: true } },
    toArgs: (i) => argv([appParam(i)], flag("confirm", i.query.confirm ?? optionalString(i, "confirm"))),
  },
  async run(ctx) {
    const u = `apps:destroy ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      { confirm: { type: "string", description: "The app's name again" } },
      { usage: u, min: 1, max: 1 },
    );
    requireAdmin(ctx, "destroy apps");
    const app = await existingApp(ctx, positionals[0], u);
    requireConfirm(app, flags.confirm, `destroying ${app}`);
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
    return { json: { name: app, destroyed: true, imagesDeleted: images }, text: `Destroyed ${app}${deleted}${imagesNote}` };
  },
};
