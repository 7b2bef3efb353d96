import { escapeControls } from "../terminal.ts";

/** One recorded mutating command. Never holds secret values (see auditArgs). */
export interface AuditEntry {
  /** ISO time the command finished. */
  readonly at: string;
  readonly user: string;
  /** Canonical verb name (`apps:config-set`, not the alias typed). */
  readonly command: string;
  /** Arguments with secret values removed by auditArgs. */
  readonly args: readonly string[];
  readonly app?: string;
  /** 0 ok, 1 failed, 2 usage error — as the caller saw it. */
  readonly exitCode: number;
  /** Error code when it failed (`APP_NOT_FOUND` …). */
  readonly error?: string;
  /** `ssh`, `api` or `web` (the status page's terminal). */
  readonly via?: string;
  /** ISO time a terminal session started (`at` is when it ended). */
  readonly startedAt?: string;
  /** The pod a terminal session ran in. */
  readonly pod?: string;
}

/** The audit log. The dispatcher records every mutating command; `audit [APP]` lists. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first; `app` filters, `limit` defaults to 100. */
  list(options?: { app?: string; limit?: number }): Promise<readonly AuditEntry[]>;
}

/** Flags whose value is a credential whatever the verb, as `--flag value` or `--flag=value`. */
const SECRET_FLAG = /^(--(?:access-key|secret-key|password))=/;

/** Verbs whose `KEY=VALUE` arguments carry config values that must never be recorded. */
const VALUE_BEARING = new Set(["apps:config-set", "config:set"]);

/**
 * Arguments safe to record: for config-set only the keys (`KEY=VALUE` → `KEY`), and any
 * argument that looks like a credential (token, password) is masked whatever the verb.
 * Control characters are stored escaped: a rejected argument with a newline must not read
 * as a second entry, nor drive the terminal of whoever lists the log.
 */
export function auditArgs(command: string, args: readonly string[]): string[] {
  return args.map((raw, i) => {
    const arg = escapeControls(raw, { oneLine: true });
    // Storage keys (backups:target-set --access-key K --secret-key S) are credentials too.
    const secretFlag = SECRET_FLAG.exec(arg);
    if (secretFlag !== null) return `${secretFlag[1] ?? ""}=[secret]`;
    if (i > 0 && SECRET_FLAG.test(`${args[i - 1] ?? ""}=`) && !/=/.test(args[i - 1] ?? "")) return "[secret]";
    if (VALUE_BEARING.has(command) && !arg.startsWith("-")) {
      const eq = arg.indexOf("=");
      return eq > 0 ? arg.slice(0, eq) : arg;
    }
    if (/^qst_[A-Za-z0-9_-]+$/.test(arg)) return "[token]";
    return arg.length > 200 ? `${arg.slice(0, 200)}…` : arg;
  });
}
