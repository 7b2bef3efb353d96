import {
  ConflictError,
  UnavailableError,
  attachmentVar,
  type AddonAttachment,
  type AddonManager,
  type App,
} from "@qs/core";
import type { ApiInput, CommandContext } from "../command.ts";
import { authorizeApp } from "../guard.ts";
import { restartAfterConfig } from "../apps/restart-after-config.ts";

/** The add-on manager, or UnavailableError when the control plane runs without one. */
export function addonsOf(ctx: CommandContext): AddonManager {
  if (ctx.services.addons === undefined) {
    throw new UnavailableError("NOT_CONFIGURED", "add-ons are not available on this control plane", {
      hint: "the control plane needs a Kubernetes connection (QS_KUBECONFIG or in-cluster)",
    });
  }
  return ctx.services.addons;
}

/** The path parameter `addon`. */
export const addonParam = (input: ApiInput): string => input.params.addon ?? "";

/** Every app using the add-on `owner/name`, with the attachment. */
export async function attachmentsOf(
  ctx: CommandContext,
  owner: string,
  name: string,
): Promise<{ app: string; attachment: AddonAttachment }[]> {
  const apps = await ctx.services.apps.list();
  return apps.flatMap((a) =>
    (a.spec.addons ?? []).filter((x) => x.owner === owner && x.name === name).map((attachment) => ({ app: a.name, attachment })),
  );
}

/** Refuses an attachment whose variable the app already has from another add-on. */
export function checkVarFree(app: App, attachment: AddonAttachment): void {
  const taken = (app.spec.addons ?? []).find((x) => x.as === attachment.as);
  if (taken !== undefined) {
    throw new ConflictError("ADDON_VAR_TAKEN", `${app.name} gets ${attachmentVar(attachment)} from add-on ${taken.owner}/${taken.name} already`, {
      hint: "choose another variable with --as NAME",
    });
  }
}

/**
 * Records the attachment on the app, puts the URL in its config and makes a release, as
 * apps:config-set does. The URL is never printed.
 */
export async function attach(ctx: CommandContext, app: string, attachment: AddonAttachment): Promise<number | undefined> {
  const url = await addonsOf(ctx).url(attachment.owner, attachment.name);
  await ctx.services.apps.update(app, (spec) => {
    const current = spec.addons ?? [];
    if (current.some((x) => x.as === attachment.as)) {
      throw new ConflictError("ADDON_VAR_TAKEN", `${app} has ${attachmentVar(attachment)} from an add-on already`, {
        hint: "choose another variable with --as NAME",
      });
    }
    return { ...spec, addons: [...current, attachment] };
  });
  await ctx.services.config.update(app, (vars) => ({ ...vars, [attachmentVar(attachment)]: url }));
  const release = await restartAfterConfig(ctx, app, `Attach ${attachment.owner}/${attachment.name} as ${attachmentVar(attachment)}`, true);
  return release.number;
}

/** Removes the attachment and its variable from the app, with a release. */
export async function detach(ctx: CommandContext, app: string, attachment: AddonAttachment): Promise<number | undefined> {
  await ctx.services.apps.update(app, (spec) => ({
    ...spec,
    addons: (spec.addons ?? []).filter((x) => !(x.owner === attachment.owner && x.name === attachment.name && x.as === attachment.as)),
  }));
  await ctx.services.config.update(app, (vars) => {
    const next = { ...vars };
    delete next[attachmentVar(attachment)];
    return next;
  });
  const release = await restartAfterConfig(ctx, app, `Detach ${attachment.owner}/${attachment.name} (${attachmentVar(attachment)})`, true);
  return release.number;
}

/** The owner of `owner/name` must be an app the caller may touch (it holds the objects). */
export async function authorizeOwner(ctx: CommandContext, owner: string, usage: string): Promise<string> {
  const saved = ctx.scope?.app;
  const ok = await authorizeApp(ctx, owner, usage);
  // The audit record names the app the verb was run for, not the owner.
  if (ctx.scope !== undefined && saved !== undefined) ctx.scope.app = saved;
  return ok;
}
