import type { CommandContext } from "../command.ts";
import { lineSink } from "../output.ts";

/**
 * After a config change: a new release with the current image and the new config (a
 * rolling restart), or a note saying when the change applies.
 */
export async function restartAfterConfig(
  ctx: CommandContext,
  app: string,
  description: string,
  restart: boolean,
): Promise<{ number: number | undefined; text: string }> {
  if (!restart) {
    return {
      number: undefined,
      text: `Not restarted: the change applies at the next release (or run: ssh qs apps:restart ${app})`,
    };
  }
  // Progress lines are only for humans; --json gets the result object alone.
  const out = ctx.json ? { line: () => undefined } : lineSink(ctx.io.stdout);
  const release = await ctx.services.releases.reconfigure(app, ctx.principal.user, description, out, { wait: true });
  if (release === undefined) {
    return { number: undefined, text: `${app} has no release yet: the config applies at the first deploy` };
  }
  // The release manager has streamed `=====> Released vN` already; don't say it twice.
  return { number: release.number, text: "" };
}
