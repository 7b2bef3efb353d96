import { parseAppName } from "@qs/core";

/** The two git services QuickStack serves. */
export type GitServiceName = "git-receive-pack" | "git-upload-pack";

/** A parsed git exec request. */
export interface GitCommand {
  readonly service: GitServiceName;
  /** The raw name the client asked for; validate with parseAppName before use. */
  readonly repo: string;
}

// git sends `git-receive-pack '/shop.git'` for ssh://host/shop.git and
// `git-receive-pack 'shop.git'` for host:shop.git; some clients use `git receive-pack`,
// double quotes or no quotes, and may drop `.git` or add a trailing slash.
const COMMAND = /^\s*git[- ](receive-pack|upload-pack)\s+(?:'([^']*)'|"([^"]*)"|(\S+))\s*$/;

/** Recognises a git exec request; undefined means "not git, hand it to the command layer". */
export function parseGitCommand(command: string): GitCommand | undefined {
  const m = COMMAND.exec(command);
  if (m === null) return undefined;
  const raw = m[2] ?? m[3] ?? m[4] ?? "";
  const repo = raw
    .replace(/^\/+/, "")
    .replace(/\/+$/, "")
    .replace(/\.git$/, "");
  return { service: m[1] === "receive-pack" ? "git-receive-pack" : "git-upload-pack", repo };
}

/** The app a repo path names; throws ValidationError (so `../etc` or `a/b` never reach a path). */
export function appOfRepo(repo: string): string {
  return parseAppName(repo);
}
