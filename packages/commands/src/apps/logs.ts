import { UsageError, isDns1123Label, type AppLogLine } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { opsOf } from "../users/support.ts";

const usage = "APP [-f] [-n N] [-p PROCESS]";
const u = `apps:logs ${usage}`;
/** Most lines per pod one request may ask for. */
export const MAX_TAIL = 10_000;

/**
 * `apps:logs APP [-f] [-n N] [-p PROCESS]`: all pods of the app, lines prefixed `web.1 |`.
 * With -f it follows until the client goes away, attaching to pods that a rollout starts.
 */
export const appsLogs: Command = {
  name: "apps:logs",
  aliases: ["logs"],
  summary: "Show (and with -f follow) the logs of all of an app's pods",
  usage,
  mutating: false,
  api: {
    method: "get",
    path: "/apps/{app}/logs",
    query: {
      follow: { type: "boolean", description: "keep streaming (Server-Sent Events)" },
      n: { type: "integer", description: "last N lines per pod (default 100)" },
      process: { type: "string", description: "only this process type" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i)],
        [
          ...(i.query.follow === "true" ? ["-f"] : []),
        ...(i.query.n === undefined ? [] : ["-n", i.query.n]),
          ...(i.query.process === undefined ? [] : ["-p", i.query.process]),
        ],
      ),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        follow: { type: "boolean", short: "f", description: "keep streaming new lines" },
        num: { type: "string", short: "n", description: "last N lines per pod (default 100)" },
        process: { type: "string", short: "p", description: "only this process type" },
      },
      { usage: u, min: 1, max: 1 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    const tail = flags.num === undefined ? 100 : Number(flags.num);
    if (!/^\d+$/.test(flags.num ?? "100") || tail < 1 || tail > MAX_TAIL) {
      throw new UsageError(`-n must be a whole number from 1 to ${MAX_TAIL}`, { hint: `usage: ${u}` });
    }
    if (flags.process !== undefined && !isDns1123Label(flags.process)) {
      throw new UsageError(`"${flags.process.slice(0, 40)}" is not a process type`, { hint: "e.g. -p web" });
    }
    const options = { follow: flags.follow, tail, ...(flags.process === undefined ? {} : { process: flags.process }) };
    const lines: AppLogLine[] = [];
    // Following streams as lines come; a one-shot read returns them so --json is one array.
    const onLine = flags.follow
      ? (l: AppLogLine) => void ctx.io.stdout.write(ctx.json ? `${JSON.stringify(l)}\n` : `${formatLogLine(l)}\n`)
      : (l: AppLogLine) => void lines.push(l);
    await opsOf(ctx).logs(app, options, onLine, ctx.signal);
    if (flags.follow) return { json: undefined, text: "" };
    return { json: lines, text: lines.map(formatLogLine).join("\n") };
  },
};

/** `web.1 | the line`. */
export function formatLogLine(l: AppLogLine): string {
  return `${l.source} | ${l.line}`;
}
