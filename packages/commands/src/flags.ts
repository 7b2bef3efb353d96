import { UsageError } from "@qs/core";

/** One flag a verb accepts. */
export interface FlagDef {
  readonly type: "boolean" | "string";
  /** One-letter alias, e.g. `p` for `--process`. */
  readonly short?: string;
  /** For help and the OpenAPI document. */
  readonly description: string;
}

export type FlagSpec = Readonly<Record<string, FlagDef>>;

/** Parsed flags: booleans are true/false, strings are the value or undefined. */
export type FlagValues<S extends FlagSpec> = {
  [K in keyof S]: S[K]["type"] extends "boolean" ? boolean : string | undefined;
};

/** Options for parseArgs. */
export interface ParseArgsOptions {
  /** The verb's synopsis, shown in usage errors. */
  readonly usage: string;
  /** Fewest positional arguments. @defaultValue 0 */
  readonly min?: number;
  /** Most positional arguments. @defaultValue Infinity */
  readonly max?: number;
}

/**
 * Parses `--flag`, `--flag value`, `--flag=value`, `-x value` and positionals in any order;
 * `--` ends the flags. A word starting with '-' that is not a known flag is a usage error
 * naming it, so a typo never silently becomes a value.
 */
export function parseArgs<S extends FlagSpec>(
  args: readonly string[],
  spec: S,
  options: ParseArgsOptions,
): { positionals: string[]; flags: FlagValues<S> } {
  const values: Record<string, boolean | string | undefined> = {};
  for (const [name, def] of Object.entries(spec)) values[name] = def.type === "boolean" ? false : undefined;
  const positionals: string[] = [];
  const usage = { hint: `usage: ${options.usage}` };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    // "-" alone and negative-looking numbers are values, not flags.
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const rawName = eq >= 0 ? arg.slice(0, eq) : arg;
    const name = rawName.startsWith("--")
      ? rawName.slice(2)
      : Object.keys(spec).find((k) => spec[k]?.short === rawName.slice(1));
    const def = name === undefined ? undefined : spec[name];
    if (name === undefined || def === undefined || (!rawName.startsWith("--") && rawName.length !== 2)) {
      throw new UsageError(`unknown flag ${JSON.stringify(rawName.slice(0, 40))}`, usage);
    }
    if (def.type === "boolean") {
      if (eq >= 0) throw new UsageError(`flag ${rawName} takes no value`, usage);
      values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`flag ${rawName} needs a value`, usage);
    if (values[name] !== undefined) throw new UsageError(`flag ${rawName} is given twice`, usage);
    values[name] = value;
  }
  const min = options.min ?? 0;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  if (positionals.length < min) throw new UsageError("missing arguments", usage);
  if (positionals.length > max) {
    throw new UsageError(`unexpected argument ${JSON.stringify((positionals[max] ?? "").slice(0, 40))}`, usage);
  }
  return { positionals, flags: values as FlagValues<S> };
}
