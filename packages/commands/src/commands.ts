import type { Command } from "./command.ts";
import { addonsCommands } from "./addons/index.ts";
import { appsCommands } from "./apps/index.ts";
import { backupsCommands } from "./backups/index.ts";
import { doctorCommands } from "./doctor/index.ts";
import { createHelpCommand } from "./meta/help.ts";
import { opsCommands } from "./nodes/index.ts";
import { accountCommands } from "./users/index.ts";
import { templatesCommands } from "./templates/index.ts";
import { versionCommand } from "./meta/version.ts";
import { createRegistry, type Registry } from "./registry.ts";

/**
 * The verb families. Each family folder exports one array; add a family here once.
 */
const families: readonly (readonly Command[])[] = [appsCommands, addonsCommands, opsCommands, accountCommands, doctorCommands, backupsCommands, templatesCommands];

/** Verbs whose trailing words are a remote command line (see Command.passthrough). */
const PASSTHROUGH = new Set(["apps:run", "apps:enter"]);

/** A registry of the given verbs plus `help` (over exactly them) and `version`. */
export function registryOf(commands: readonly Command[]): Registry {
  // help lists the registry it belongs to, so it gets it through a late-bound reference.
  const holder: { registry?: Registry } = {};
  const help = createHelpCommand(() => {
    if (holder.registry === undefined) throw new Error("registry used before it was built");
    return holder.registry;
  });
  const marked = commands.map((c) => (PASSTHROUGH.has(c.name) && c.passthrough !== true ? { ...c, passthrough: true } : c));
  holder.registry = createRegistry([...marked, help, versionCommand]);
  return holder.registry;
}

let cached: Registry | undefined;

/** Every verb QuickStack has, built once. */
export function defaultRegistry(): Registry {
  cached ??= registryOf(families.flat());
  return cached;
}
