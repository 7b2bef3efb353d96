import { UsageError, escapeControls } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { keyValues } from "../output.ts";

const usage = "APP [--shell]";

/** `apps:config APP [--json|--shell]`: the app's config vars in full (the one place they are shown). */
export const appsConfig: Command = {
  name: "apps:config",
  aliases: ["config"],
  summary: "Show an app's config vars",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/config", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `apps:config ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      { shell: { type: "boolean", description: "Print `export KEY='value'` lines" } },
      { usage: u, min: 1, max: 1 },
    );
    if (flags.shell && ctx.json) throw new UsageError("--shell and --json exclude each other", { hint: `usage: ${u}` });
    const app = await existingApp(ctx, positionals[0], u);
    const vars = await ctx.services.config.get(app);
    const keys = Object.keys(vars).sort();
    const sorted = Object.fromEntries(keys.map((k) => [k, vars[k] ?? ""]));
    if (flags.shell) {
      return { json: sorted, text: keys.map((k) => `export ${k}=${shellQuote(vars[k] ?? "")}`).join("\n") };
    }
    const text = keys.length === 0 ? `${app} has no config vars` : keyValues(keys.map((k) => [k, vars[k] ?? ""]));
    return { json: sorted, text };
  },
};

/**
 * POSIX single quoting, safe to `eval` in any sh. A value with control characters gets
 * ANSI-C quoting ($'…', bash, zsh, ksh and POSIX.1-2024 sh) instead: the output must not
 * carry them raw to a terminal, and escaped they still evaluate to the exact value.
 */
function shellQuote(value: string): string {
  if (escapeControls(value, { oneLine: true }) === value) return `'${value.replaceAll("'", `'\\''`)}'`;
  const body = [...value]
    .map((ch) => (ch === "\\" ? "\\\\" : ch === "'" ? "\\'" : escapeControls(ch, { oneLine: true })))
    .join("");
  return `$'${body}'`;
}
