import { UsageError } from "@qs/core";
import type { Command } from "../command.ts";
import { loadApp } from "../guard.ts";
import { opsIO, opsOf } from "../users/support.ts";
import { knownProcessTypes } from "./shared.ts";

const usage = "APP [PROCESS] [--] [CMD…]";
const u = `apps:enter ${usage}`;

/** What runs when no CMD is given: bash when the image has it, else sh. */
export const DEFAULT_SHELL = ["/bin/sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash -l || exec sh -l"];

/**
 * `apps:enter APP [PROCESS] [CMD…]`: Kubernetes exec into a running pod of the process
 * (default web, else the first). The word after APP is the process when it names one of
 * the app's process types, otherwise it starts the command. With `ssh -t` a real TTY.
 */
export const appsEnter: Command = {
  name: "apps:enter",
  aliases: ["enter"],
  summary: "Open a shell (or run CMD) inside a running container of the app",
  usage,
  mutating: true,
  async run(ctx) {
    const [raw, ...rest] = ctx.args;
    if (raw === "--help" || raw === "-h") throw new UsageError("usage", { hint: `usage: ${u}` });
    const app = await loadApp(ctx, raw, u);
    const known = await knownProcessTypes(ctx, app);
    let process: string | undefined;
    let command = rest;
    if (command[0] !== undefined && command[0] !== "--" && known.includes(command[0])) {
      process = command[0];
      command = command.slice(1);
    }
    if (command[0] === "--") command = command.slice(1);
    const code = await opsOf(ctx).enter(
      app.name,
      process,
      command.length === 0 ? DEFAULT_SHELL : command,
      opsIO(ctx),
      ctx.signal,
    );
    return { json: { app: app.name, exitCode: code }, text: "", exitCode: code };
  },
};
