import { ConflictError, parseAppName } from "@qs/core";
import type { Command } from "../command.ts";
import { argv, bodyString, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { defaultTemplates } from "../templates/catalog.ts";
import { createAppFromTemplate } from "../templates/create-app.ts";
import { defaultUrl } from "./shared.ts";

const usage = "NAME [--template TEMPLATE]";

/**
 * `apps:create NAME`: the App object, its namespace and config Secret, and the git repo.
 * With `--template`, also the template's config, add-ons and a first release of its image.
 */
export const appsCreate: Command = {
  name: "apps:create",
  summary: "Create an app and its git repository",
  usage,
  mutating: true,
  adminOnly: true,
  api: {
    method: "post",
    path: "/apps",
    body: {
      name: { type: "string", description: "App name (DNS-1123 label, ≤ 30 characters)", required: true },
      template: { type: "string", description: "An app template (GET /templates): deploy its pinned image" },
    },
    toArgs: (input) => argv([bodyString(input, "name")], flag("template", optionalString(input, "template"))),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      { template: { type: "string", description: "App template to deploy (ssh qs templates)" } },
      { usage: `apps:create ${usage}`, min: 1, max: 1 },
    );
    const name = parseAppName(positionals[0] ?? "");
    if (ctx.scope !== undefined) ctx.scope.app = name;
    requireAdmin(ctx, "create apps");
    const template = flags.template === undefined ? undefined : defaultTemplates().get(flags.template);
    if (await ctx.services.apps.exists(name)) {
      throw new ConflictError("APP_EXISTS", `app "${name}" exists already`, { hint: `see it with: ssh qs apps:info ${name}` });
    }
    if (template !== undefined) {
      const made = await createAppFromTemplate(ctx, name, template);
      const lines = [`Created ${name} from the ${template.name} template`, `  url: ${made.url}`, ...made.notes.map((n) => `  ${n}`)];
      if (made.movedAside !== undefined) lines.push(`  (a repository left by an earlier app "${name}" was moved to ${made.movedAside})`);
      return {
        json: { name, url: made.url, template: template.name, image: made.image, addons: made.addons, release: made.release.number },
        text: lines.join("\n"),
      };
    }
    const app = await ctx.services.apps.create(name, ctx.principal.user);
    let movedAside: string | undefined;
    try {
      ({ movedAside } = await ctx.services.repos.createEmpty(name));
    } catch (err) {
      // No half-made apps: without its repo the app cannot be pushed to.
      await ctx.services.apps.destroy(name);
      throw err;
    }
    const remote = ctx.services.gitRemote?.(name);
    const url = defaultUrl(ctx, name);
    const lines = [`Created ${name}`, `  url: ${url}`];
    if (remote !== undefined) lines.push(`  git remote add qs ${remote}`, "  git push qs main");
    // Only admins create apps, so the path may be shown.
    if (movedAside !== undefined) lines.push(`  (a repository left by an earlier app "${name}" was moved to ${movedAside}; this app starts empty)`);
    return { json: { name, url, gitRemote: remote ?? null, createdAt: app.createdAt }, text: lines.join("\n") };
  },
};
