import type { Readable, Writable } from "node:stream";
import type { AppStore, ConfigStore, Principal, ReleaseManager } from "@qs/core";

/**
 * One verb of the command layer (Dokku: plugins/<family>/subcommands/<verb>). Each verb
 * lives in its own file `src/<family>/<verb>.ts` and exports a Command; `help` and the
 * OpenAPI document are generated from the registry of these.
 */
export interface Command {
  /** `family:verb`, e.g. `apps:config-set`. */
  readonly name: string;
  /** Other names people type (`config:set`, `logs`, `run`). */
  readonly aliases?: readonly string[];
  /** One line for `help`. */
  readonly summary: string;
  /** Argument synopsis after the name, e.g. `APP KEY=VALUE… [--no-restart]`. */
  readonly usage: string;
  /** Changes state: recorded in the audit log, refused for read-only tokens. */
  readonly mutating: boolean;
  /** Only admins may run it (users:*, nodes:*, audit without APP …). */
  readonly adminOnly?: boolean;
  /**
   * Parses and runs. Validate the app name first (parseAppName), check access, then call
   * typed functions on ctx.services. Throw QsError subclasses for every user error.
   */
  run(ctx: CommandContext): Promise<CommandResult>;
}

/** What a verb returns: a JSON value for `--json` and the API, and text for humans. */
export interface CommandResult {
  readonly json: unknown;
  /** Human output (tables, confirmations); "" when everything was streamed. */
  readonly text: string;
  /** Exit code override for verbs like apps:run (the remote command's exit code). */
  readonly exitCode?: number;
}

/** The streams of the caller; SSH maps them to the channel, HTTP to a response or SSE. */
export interface CommandIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Present when the SSH client asked for a TTY (`ssh -t`). */
  readonly tty?: { cols: number; rows: number; term: string; onResize(l: (s: { cols: number; rows: number }) => void): void };
}

/** Everything a verb gets. */
export interface CommandContext {
  readonly principal: Principal;
  /** Arguments after the verb name, already split with shell-like quoting. */
  readonly args: readonly string[];
  /** `--json` was given (removed from args). */
  readonly json: boolean;
  readonly io: CommandIO;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  readonly services: CommandServices;
}

/**
 * The ports verbs may call. Built by apps/server. Engineers add fields here as their
 * ports land (users, audit, cluster ops, builds …).
 */
export interface CommandServices {
  readonly apps: AppStore;
  readonly config: ConfigStore;
  readonly releases: ReleaseManager;
  /** Base domain for default app URLs. */
  readonly baseDomain: string;
  readonly limits: { readonly maxScale: number };
}
