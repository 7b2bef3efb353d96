import { NotFoundError } from "@qs/core";
import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { table } from "../output.ts";
import type { Registry } from "../registry.ts";

const usage = "help [COMMAND]";

/** `help [COMMAND]`, generated from the registry it is given. */
export function createHelpCommand(registry: () => Registry): Command {
  return {
    name: "help",
    summary: "List the commands, or show how to use one",
    usage,
    mutating: false,
    api: { method: "get", path: "/help", toArgs: () => [] },
    run(ctx) {
      const { positionals } = parseArgs(ctx.args, {}, { usage, max: 1 });
      const reg = registry();
      const visible = reg.commands.filter((c) => ctx.principal.role === "admin" || c.adminOnly !== true);
      const name = positionals[0];
      if (name === undefined) {
        const json = visible.map(describe);
        const text = [
          "Usage: ssh qs COMMAND [ARGS…] [--json]",
          "",
          table(["command", "summary"], visible.map((c) => [c.name, c.summary])),
          "",
          "Run `ssh qs help COMMAND` for the arguments of one command.",
        ].join("\n");
        return Promise.resolve({ json, text });
      }
      const command = reg.find(name);
      if (command === undefined) {
        throw new NotFoundError("COMMAND_NOT_FOUND", `unknown command "${name.slice(0, 40)}"`, {
          hint: "run: ssh qs help",
        });
      }
      // Usage is the synopsis after the name; tolerate verbs that repeat their name in it.
      const synopsis = command.usage.startsWith(command.name) ? command.usage : `${command.name} ${command.usage}`;
      const lines = [`Usage: ssh qs ${synopsis}`.trimEnd(), "", command.summary];
      if ((command.aliases ?? []).length > 0) lines.push("", `Aliases: ${(command.aliases ?? []).join(", ")}`);
      if (command.adminOnly === true) lines.push("", "Only admins may run it.");
      return Promise.resolve({ json: describe(command), text: lines.join("\n") });
    },
  };
}

function describe(c: Command): Record<string, unknown> {
  return {
    name: c.name,
    aliases: c.aliases ?? [],
    summary: c.summary,
    usage: c.usage,
    mutating: c.mutating,
    adminOnly: c.adminOnly === true,
  };
}
