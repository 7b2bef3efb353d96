import { AppNotFoundError, ForbiddenError, UsageError, parseAppName, type App } from "@qs/core";
import type { CommandContext } from "./command.ts";

/**
 * The first step of every app verb: validate the name, then check access (admins may
 * touch every app, developers only their granted ones). A developer asking about an app
 * they may not touch is told so whether or not it exists, so names do not leak.
 */
export async function authorizeApp(ctx: CommandContext, raw: string | undefined, usage: string): Promise<string> {
  if (raw === undefined) throw new UsageError("missing APP", { hint: `usage: ${usage}` });
  const app = parseAppName(raw);
  if (ctx.scope !== undefined) ctx.scope.app = app;
  if (ctx.principal.role === "admin") return app;
  if (!(await ctx.services.access.canAccessApp(ctx.principal, app))) {
    throw new ForbiddenError(`you do not have access to app "${app}"`, {
      hint: `ask an admin to run: ssh qs access:grant ${app} ${ctx.principal.user}`,
    });
  }
  return app;
}

/** authorizeApp, then the app itself (AppNotFoundError when it does not exist). */
export async function loadApp(ctx: CommandContext, raw: string | undefined, usage: string): Promise<App> {
  const name = await authorizeApp(ctx, raw, usage);
  return ctx.services.apps.get(name);
}

/** authorizeApp, then an existence check without reading the whole app. */
export async function existingApp(ctx: CommandContext, raw: string | undefined, usage: string): Promise<string> {
  const name = await authorizeApp(ctx, raw, usage);
  if (!(await ctx.services.apps.exists(name))) throw new AppNotFoundError(name);
  return name;
}

/** Refuses unless the principal is an admin. */
export function requireAdmin(ctx: CommandContext, what: string): void {
  if (ctx.principal.role !== "admin") {
    throw new ForbiddenError(`only admins may ${what}`, { hint: "ask an admin" });
  }
}

/** `--confirm APP` must repeat the app's name for destructive verbs. */
export function requireConfirm(app: string, confirm: string | undefined, what: string): void {
  if (confirm !== app) {
    throw new UsageError(
      confirm === undefined ? `${what} needs confirmation` : `--confirm "${confirm}" does not match the app "${app}"`,
      { hint: `this cannot be undone; repeat the app's name: --confirm ${app}` },
    );
  }
}
