import { attachmentVar, type AddonManager, type Release } from "@qs/core";
import type { CommandContext } from "../command.ts";
import { addonsOf } from "../addons/shared.ts";
import { lineSink } from "../output.ts";
import { defaultUrl } from "../apps/shared.ts";
import type { AppTemplate } from "./catalog.ts";
import { planTemplate } from "./plan.ts";

/** What apps:create --template reports. */
export interface TemplateAppResult {
  readonly release: Release;
  readonly url: string;
  readonly image: string;
  readonly addons: readonly { name: string; kind: string; var: string }[];
  readonly notes: readonly string[];
  readonly movedAside?: string;
}

/**
 * Makes an app from a template: the App with the template's port, health check, resources
 * and volumes, its repository, the config (generated secrets included), the add-ons it
 * needs with their URLs set, and a first release of the pinned image, rolled out and ready.
 * The caller has checked the name and that it is free. All or nothing: when a step fails,
 * what was made is removed again (add-on volumes too: they hold nothing yet) and the error
 * is passed on, so running the command again starts clean.
 */
export async function createAppFromTemplate(ctx: CommandContext, name: string, template: AppTemplate): Promise<TemplateAppResult> {
  const url = defaultUrl(ctx, name);
  const plan = planTemplate(template, { app: name, url });
  // Before anything is made: a template that needs add-ons needs the add-on manager.
  const addons: AddonManager | undefined = plan.addons.length > 0 ? addonsOf(ctx) : undefined;
  const out = ctx.json ? { line: () => undefined } : lineSink(ctx.io.stdout);
  const made: string[] = [];
  out.line(`-----> Creating ${name} from the ${template.name} template (${plan.image})`);
  await ctx.services.apps.create(name, ctx.principal.user, {
    ...plan.spec,
    ...(plan.addons.length === 0 ? {} : { addons: plan.addons.map((a) => ({ name: a.name, owner: name, as: a.as })) }),
  });
  try {
    const { movedAside } = await ctx.services.repos.createEmpty(name);
    const vars: Record<string, string> = { ...plan.vars };
    for (const a of plan.addons) {
      out.line(`-----> Creating ${a.kind} ${a.version} add-on ${a.name} (${a.size})`);
      await addons?.create(name, { name: a.name, kind: a.kind, version: a.version, size: a.size });
      made.push(a.name);
      await addons?.waitReady(name, a.name);
      const variable = attachmentVar(a);
      vars[variable] = (await addons?.url(name, a.name)) ?? "";
      out.line(`       ${a.name} is ready; the app gets ${variable}`);
    }
    // The values are never printed: generated secrets and add-on URLs hold credentials.
    await ctx.services.config.update(name, () => vars);
    const release = await ctx.services.releases.deploy(
      {
        app: name,
        image: plan.image,
        gitSha: "",
        processes: plan.processes,
        author: ctx.principal.user,
        description: `Deploy ${template.name} template (${template.image.tag})`,
      },
      out,
      ctx.signal,
    );
    return {
      release,
      url,
      image: plan.image,
      addons: plan.addons.map((a) => ({ name: a.name, kind: a.kind, var: attachmentVar(a) })),
      notes: plan.notes,
      ...(movedAside === undefined ? {} : { movedAside }),
    };
  } catch (err) {
    out.line(`-----> Removing ${name} again: nothing is left behind`);
    await undo(ctx, name, made, addons);
    throw err;
  }
}

/** Removes a half-made template app; every step runs even when one fails. */
async function undo(ctx: CommandContext, name: string, addonNames: readonly string[], addons: AddonManager | undefined): Promise<void> {
  const steps: (() => Promise<unknown>)[] = [
    ...addonNames.map((a) => () => addons?.destroy(name, a, true) ?? Promise.resolve()),
    () => ctx.services.apps.destroy(name),
    () => ctx.services.repos.remove(name),
  ];
  for (const step of steps) {
    await step().catch((err: unknown) => {
      ctx.services.logger?.warn({ app: name, err: (err as Error).message }, "could not undo part of a template app");
    });
  }
}
