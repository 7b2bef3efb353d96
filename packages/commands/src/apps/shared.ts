import type { App, AppSpec } from "@qs/core";
import type { CommandContext } from "../command.ts";

/** The default URL of an app: `https://<app>.<base domain>` (`http` where there is no TLS). */
export function defaultUrl(ctx: CommandContext, app: string): string {
  return `${ctx.services.appScheme ?? "https"}://${app}.${ctx.services.baseDomain}`;
}

/** `web=2 worker=1`, or "none" before anything is scaled. */
export function formatScale(spec: AppSpec): string {
  const terms = Object.entries(spec.processes).map(([t, p]) => `${t}=${p.replicas}`);
  return terms.length === 0 ? "none" : terms.join(" ");
}

/** "ready", "progressing", "degraded: reason" or "unknown" from the app's conditions. */
export function appState(app: App): string {
  const cond = (type: string) => app.status.conditions.find((c) => c.type === type && c.status === "True");
  const degraded = cond("Degraded");
  if (degraded !== undefined) return `degraded: ${degraded.reason}`;
  if (cond("Progressing") !== undefined) return "progressing";
  if (cond("Ready") !== undefined) return "ready";
  return app.spec.release === undefined ? "not deployed" : "unknown";
}

/**
 * Process types the app has: those of its current release (the Procfile; an empty
 * Procfile means the image CMD runs as `web`) plus any already in the spec. Before the
 * first deploy only `web` is known.
 */
export async function knownProcessTypes(ctx: CommandContext, app: App): Promise<string[]> {
  const types = new Set(Object.keys(app.spec.processes));
  const number = app.spec.release ?? app.status.currentRelease;
  if (number === undefined) types.add("web");
  else {
    const release = await ctx.services.releases.get(app.name, number);
    const fromRelease = Object.keys(release.processes);
    if (fromRelease.length === 0) types.add("web");
    for (const t of fromRelease) types.add(t);
  }
  return [...types].sort();
}
