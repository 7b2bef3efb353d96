import type { App } from "@qs/core";
import type { Command, CommandContext } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { table } from "../output.ts";
import { appState, defaultUrl, formatScale } from "./shared.ts";

/** `apps:list`: every app the principal may see. */
export const appsList: Command = {
  name: "apps:list",
  aliases: ["apps"],
  summary: "List apps",
  usage: "",
  mutating: false,
  api: { method: "get", path: "/apps", toArgs: () => [] },
  async run(ctx) {
    parseArgs(ctx.args, {}, { usage: "apps:list", max: 0 });
    const all = await ctx.services.apps.list();
    const visible = ctx.principal.role === "admin" ? all : await grantedOnly(ctx, all);
    const sorted = [...visible].sort((a, b) => a.name.localeCompare(b.name));
    const json = sorted.map((a) => ({
      name: a.name,
      release: a.spec.release ?? null,
      processes: Object.fromEntries(Object.entries(a.spec.processes).map(([t, p]) => [t, p.replicas])),
      domains: a.spec.domains,
      state: appState(a),
      url: defaultUrl(ctx, a.name),
      createdAt: a.createdAt,
    }));
    if (sorted.length === 0) return { json, text: "No apps yet. Create one with: ssh qs apps:create NAME" };
    const text = table(
      ["name", "release", "processes", "state", "url"],
      sorted.map((a) => [
        a.name,
        a.spec.release === undefined ? "-" : `v${a.spec.release}`,
        formatScale(a.spec),
        appState(a),
        defaultUrl(ctx, a.name),
      ]),
    );
    return { json, text };
  },
};

/** A developer's apps: one read of their grants when the user store is there, else one check per app. */
async function grantedOnly(ctx: CommandContext, all: readonly App[]): Promise<App[]> {
  if (ctx.services.users !== undefined) {
    const granted = new Set((await ctx.services.users.get(ctx.principal.user)).apps);
    return all.filter((a) => granted.has(a.name));
  }
  const allowed = await Promise.all(all.map((a) => ctx.services.access.canAccessApp(ctx.principal, a.name)));
  return all.filter((_, i) => allowed[i] === true);
}
