import { ConflictError, UsageError, type App } from "@qs/core";
import type { Command, CommandContext } from "../command.ts";
import { loadApp } from "../guard.ts";
import { opsIO, opsOf } from "../users/support.ts";

const usage = "APP [--] CMD…";
const u = `apps:run ${usage}`;

/**
 * `apps:run APP CMD…`: a one-off pod with the app's image and config; output is streamed
 * and the command's exit code becomes ours. Everything after APP is the command, flags
 * included (`apps:run shop ls -la`); a leading `--` is dropped.
 */
export const appsRun: Command = {
  name: "apps:run",
  aliases: ["run"],
  summary: "Run a one-off command in a new container of the app",
  usage,
  mutating: true,
  async run(ctx) {
    const [raw, ...rest] = ctx.args;
    if (raw === "--help" || raw === "-h") throw new UsageError("usage", { hint: `usage: ${u}` });
    const app = await loadApp(ctx, raw, u);
    const command = rest[0] === "--" ? rest.slice(1) : rest;
    if (command.length === 0) throw new UsageError("missing CMD", { hint: `usage: ${u}  (e.g. apps:run ${app.name} npm run migrate)` });
    const image = await currentImage(ctx, app);
    const code = await opsOf(ctx).run(
      app.name,
      { image, command, user: ctx.principal.user },
      opsIO(ctx),
      ctx.signal,
    );
    return { json: { app: app.name, exitCode: code }, text: "", exitCode: code };
  },
};

/** The image of the release that runs (or should run); ConflictError before the first deploy. */
export async function currentImage(ctx: CommandContext, app: App): Promise<string> {
  const number = app.status.currentRelease ?? app.spec.release;
  if (number === undefined) {
    throw new ConflictError("NOT_DEPLOYED", `${app.name} has not been deployed yet`, {
      hint: `push it first: git push qs main`,
    });
  }
  return (await ctx.services.releases.get(app.name, number)).image;
}
