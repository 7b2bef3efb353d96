import {
  ForbiddenError,
  QsError,
  UsageError,
  auditArgs,
  describeError,
  escapeControls,
  exitCodeOf,
  isDns1123Label,
  type Principal,
} from "@qs/core";
import type { Command, CommandIO, CommandResult, CommandServices } from "./command.ts";
import { splitCommandLine } from "./argv.ts";
import { defaultRegistry } from "./commands.ts";
import { suggest, type Registry } from "./registry.ts";
import { withEscapedControls, withTerminalNewlines } from "./tty.ts";

/** Options shared by both faces. */
export interface InvokeOptions {
  /** The verbs. @defaultValue defaultRegistry() */
  readonly registry?: Registry;
  /** Recorded in the audit log. @defaultValue "ssh" */
  readonly via?: "ssh" | "api";
  /** `--json` was asked for. @defaultValue false */
  readonly json?: boolean;
}

/** The outcome of one verb: its result, or the error it failed with. */
export type Invocation =
  | { readonly ok: true; readonly command: Command; readonly result: CommandResult }
  | { readonly ok: false; readonly command: Command | undefined; readonly error: unknown };

/**
 * Finds and runs one verb for a principal, and records it in the audit log when it
 * mutates (success or failure, never secret values). Never throws.
 */
export async function invokeCommand(
  name: string,
  args: readonly string[],
  principal: Principal,
  io: CommandIO,
  services: CommandServices,
  signal: AbortSignal,
  options: InvokeOptions = {},
): Promise<Invocation> {
  const registry = options.registry ?? defaultRegistry();
  const command = registry.find(name);
  if (command === undefined) {
    const close = suggest(registry, name);
    return {
      ok: false,
      command,
      error: new UsageError(`unknown command ${JSON.stringify(name.slice(0, 40))}`, {
        hint: close.length > 0 ? `did you mean: ${close.join(", ")}? (ssh qs help lists all)` : "run: ssh qs help",
      }),
    };
  }
  const scope: { app?: string } = {};
  let outcome: Invocation;
  try {
    if (command.adminOnly === true && principal.role !== "admin") {
      throw new ForbiddenError(`only admins may run ${command.name}`, { hint: "ask an admin" });
    }
    const result = await command.run({
      principal,
      args,
      json: options.json ?? false,
      io,
      signal,
      services,
      scope,
      via: options.via ?? "ssh",
    });
    outcome = { ok: true, command, result };
  } catch (error) {
    outcome = { ok: false, command, error };
  }
  if (command.mutating && services.audit !== undefined) {
    // The app the verb validated; failing that (a usage error before it), the first word
    // that is a valid app name after `--` (API form) or at the start (SSH form).
    const dash = args.indexOf("--");
    const guess = dash >= 0 ? args[dash + 1] : args.find((a) => !a.startsWith("-"));
    const target = scope.app ?? (command.name.startsWith("apps:") && guess !== undefined && isDns1123Label(guess) ? guess : undefined);
    const failed = outcome.ok ? undefined : outcome.error;
    try {
      await services.audit.record({
        at: new Date().toISOString(),
        user: principal.user,
        command: command.name,
        args: auditArgs(command.name, args),
        ...(target === undefined ? {} : { app: target }),
        exitCode: outcome.ok ? (outcome.result.exitCode ?? 0) : exitCodeOf(failed),
        ...(failed === undefined ? {} : { error: failed instanceof QsError ? failed.code : "INTERNAL" }),
        via: options.via ?? "ssh",
      });
    } catch (err) {
      // The command has already happened; failing it now would make the user retry it.
      services.logger?.error({ err, command: command.name }, "audit record failed");
    }
  }
  return outcome;
}

/**
 * Runs one SSH exec string: splits it with shell-like quoting (never a shell), takes
 * `--json` and `--help` (before any `--`), runs the verb, writes its output to stdout and
 * any error with its hint to stderr. Returns the exit code: 0 ok, 1 failed, 2 usage.
 */
export async function runCommandLine(
  line: string,
  principal: Principal,
  rawIo: CommandIO,
  services: CommandServices,
  signal: AbortSignal,
  options: Omit<InvokeOptions, "json"> = {},
): Promise<number> {
  const registry = options.registry ?? defaultRegistry();
  // Verbs print through the escaping (and, with a TTY, CRLF) layer; passthrough verbs get
  // the raw streams for the container's terminal.
  const printing = (): CommandIO => withEscapedControls(rawIo.tty === undefined ? rawIo : withTerminalNewlines(rawIo));
  let words: string[];
  try {
    words = splitCommandLine(line);
  } catch (err) {
    return fail(printing(), err, false, services);
  }
  const [name = "help", ...rest] = words;
  const io = registry.find(name)?.passthrough === true ? rawIo : printing();
  // Global flags are taken before `--`, and for passthrough verbs only before the first
  // positional, so they never steal a word from a remote command line.
  const firstWord = registry.find(name)?.passthrough === true ? rest.findIndex((w) => !w.startsWith("-")) : -1;
  const dash = rest.indexOf("--");
  const end = firstWord >= 0 && (dash < 0 || firstWord < dash) ? firstWord : dash;
  const before = end < 0 ? rest : rest.slice(0, end);
  const after = end < 0 ? [] : rest.slice(end);
  const json = before.includes("--json");
  let args = [...before.filter((a) => a !== "--json"), ...after];
  let verb = name;
  if (before.includes("--help") || before.includes("-h")) {
    args = [name];
    verb = "help";
  }
  const outcome = await invokeCommand(verb, args, principal, io, services, signal, { ...options, registry, json });
  if (!outcome.ok) return fail(io, outcome.error, json, services);
  const { result } = outcome;
  if (json) await write(io.stdout, `${JSON.stringify(result.json, null, 2)}\n`);
  else if (result.text !== "") await write(io.stdout, result.text.endsWith("\n") ? result.text : `${result.text}\n`);
  return result.exitCode ?? 0;
}

async function fail(io: CommandIO, err: unknown, json: boolean, services: CommandServices): Promise<number> {
  if (!(err instanceof QsError)) services.logger?.error({ err }, "command failed");
  if (json) {
    const payload = err instanceof QsError ? err.toJSON() : { code: "INTERNAL", message: describeError(err) };
    await write(io.stderr, `${JSON.stringify({ error: payload })}\n`);
  } else {
    const [first, ...hint] = escapeControls(describeError(err)).split("\n");
    await write(io.stderr, [`error: ${first ?? ""}`, ...hint].join("\n") + "\n");
  }
  return exitCodeOf(err);
}

/** Writes and waits for the chunk to be handed on, so exit status follows the output. */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.write(text)) stream.once("drain", resolve);
    else resolve();
  });
}
