import type { Command } from "./command.ts";

/** The verbs by name and alias. */
export interface Registry {
  /** Every verb once, sorted by name. */
  readonly commands: readonly Command[];
  /** The verb for a name or alias, or undefined. */
  find(name: string): Command | undefined;
}

/** Builds a registry; a name or alias used twice is a programming error. */
export function createRegistry(commands: readonly Command[]): Registry {
  const byName = new Map<string, Command>();
  for (const command of commands) {
    for (const name of [command.name, ...(command.aliases ?? [])]) {
      if (byName.has(name)) throw new Error(`command name ${name} is registered twice`);
      byName.set(name, command);
    }
  }
  const sorted = [...commands].sort((a, b) => a.name.localeCompare(b.name));
  return { commands: sorted, find: (name) => byName.get(name) };
}

/** Names close to `name` (same family or edit distance ≤ 2), for "did you mean". */
export function suggest(registry: Registry, name: string): string[] {
  const names = registry.commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  return names.filter((n) => distance(n, name) <= 2 || (name.length > 3 && n.includes(name))).slice(0, 3);
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
