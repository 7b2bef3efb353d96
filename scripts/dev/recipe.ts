// What dev mode prints: pure builders, so the printed commands can be run by the tests.

/** Where the developer reaches dev mode. */
export interface DevEndpoints {
  /** The one host form used everywhere (ssh config, git remotes, QS_SSH_PUBLIC_HOST). */
  readonly host: string;
  readonly sshPort: number;
  readonly httpPort: number;
}

/** A box of `#` around the lines. */
export function buildBanner(lines: readonly string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  return `\n${"#".repeat(width + 4)}\n${lines.map((l) => `# ${l.padEnd(width)} #`).join("\n")}\n${"#".repeat(width + 4)}\n`;
}

/**
 * Shell lines that make `Host qs` in ~/.ssh/config point at dev mode: the awk line drops
 * every earlier `Host qs` block (ssh uses the first one, so an appended second block would
 * lose to a stale port), then printf appends the new one. Running them again replaces
 * rather than adds. One line each, with no heredoc: pasted with indentation they still work.
 */
export function buildSshConfigCommands(e: DevEndpoints): string[] {
  const drop =
    `awk '{ k = tolower($1) } k == "host" || k == "match" { skip = (k == "host" && $2 == "qs" && NF == 2) } !skip' ~/.ssh/config > ~/.ssh/config.qs-new` +
    " && cat ~/.ssh/config.qs-new > ~/.ssh/config && rm ~/.ssh/config.qs-new";
  return [
    "mkdir -p ~/.ssh && touch ~/.ssh/config",
    drop,
    `printf 'Host qs\\n  HostName ${e.host}\\n  Port ${e.sshPort}\\n  User git\\n' >> ~/.ssh/config`,
  ];
}

/**
 * Whether the first `Host qs` block of an ssh config (the one ssh uses) already points at
 * `host:port`, so the recipe can skip the config lines.
 */
export function sshConfigPointsAt(config: string, e: Pick<DevEndpoints, "host" | "sshPort">): boolean {
  let inQs = false;
  let seenQs = false;
  const found: Record<string, string> = {};
  for (const raw of config.split("\n")) {
    const [keyword = "", ...rest] = raw.trim().split(/\s+/);
    const k = keyword.toLowerCase();
    if (k === "host" || k === "match") {
      if (seenQs) break;
      inQs = k === "host" && rest.length === 1 && rest[0] === "qs";
      seenQs = inQs;
      continue;
    }
    // ssh takes the first value of each keyword.
    if (inQs && k !== "" && !(k in found)) found[k] = rest.join(" ");
  }
  return found.hostname === e.host && (found.port ?? "22") === String(e.sshPort);
}

/** The app the first-push recipe creates. */
export const RECIPE_APP = "shop";

/**
 * The first-push recipe, with the ssh config lines unless ~/.ssh/config is already right,
 * ending with `check` (a line that asks the released app for its page) when given.
 */
export function buildFirstPushRecipe(e: DevEndpoints, sshConfigReady: boolean, check?: string): string {
  const lines = [
    ...(sshConfigReady ? [] : buildSshConfigCommands(e)),
    `ssh qs apps:create ${RECIPE_APP}`,
    `git remote add qs ssh://git@${e.host}:${e.sshPort}/${RECIPE_APP}.git`,
    "git push qs main",
    ...(check === undefined ? [] : [check]),
  ];
  const head = sshConfigReady
    ? `First push (~/.ssh/config already has Host qs -> ${e.host}:${e.sshPort}):`
    : "First push (the first three lines set Host qs in ~/.ssh/config, replacing an earlier one):";
  return `${head}\n${lines.map((l) => `       ${l}`).join("\n")}\n`;
}

/** How to log in to the status page and push over HTTP, for the banner. */
export function buildAccountHints(e: DevEndpoints): string[] {
  return [
    `Status page: http://${e.host}:${e.httpPort}/ (user admin). Set its password and TOTP with:`,
    "       ssh qs users:password-set admin < password-file",
    "       ssh -t qs users:2fa-enable          (shows the QR code, asks for a code)",
    "Push over HTTP instead: ssh qs tokens:create laptop, then",
    `       git push http://admin@${e.host}:${e.httpPort}/git/shop.git main   (git asks for the token; README "Smart HTTP")`,
  ];
}
