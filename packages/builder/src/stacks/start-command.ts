import { apkMirror, aptMirror, type BuildMirrors } from "./mirrors.ts";

/**
 * How a start command (package.json `start`, a Procfile line) becomes the image's CMD.
 * It runs through /bin/sh as on Heroku, so `$PORT` expands at start. A simple command is
 * `exec`'d so it is PID 1 and gets SIGTERM itself; `exec` goes after leading variable
 * assignments (`NODE_ENV=production exec node server.js`): `exec NODE_ENV=…` looks for a
 * program of that name. Anything else (`a && b`, pipes, `;`, loops) runs as written under
 * tini, because a shell as PID 1 ignores SIGTERM and never forwards it.
 */

/** Shell words that start a compound command: `exec` before them is a syntax error. */
const RESERVED = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "case",
  "esac",
  "while",
  "until",
  "for",
  "in",
  "{",
  "}",
  "!",
  "[[",
  "function",
  "select",
  "time",
]);

/** A leading `NAME=value` word, value possibly quoted. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"(?:[^"\\]|\\.)*"|\\.|[^\s'"\\])*(?:\s+|$)/;

/** True when `command` has a shell operator (`;` `&` `|` `(` `)` newline) outside quotes. */
export function hasShellOperator(command: string): boolean {
  let quote: "'" | '"' | undefined;
  let depth = 0; // inside $( … ): its operators belong to the substitution
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    const prev = command[i - 1];
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === "\\") {
      i++;
    } else if (c === "$" && command[i + 1] === "(") {
      depth++;
      i++;
    } else if (depth > 0) {
      if (c === "(") depth++;
      else if (c === ")") depth--;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "#" && (prev === undefined || /\s/.test(prev))) {
      return false; // a comment: the rest is not run
    } else if (c === "&" && (prev === ">" || prev === "<")) {
      continue; // a redirection such as 2>&1, which exec keeps
    } else if (c !== undefined && ";&|()\n`".includes(c)) {
      return true;
    }
  }
  return false;
}

/** How a start command runs: the shell script and whether it needs tini as init. */
export interface StartCommand {
  /** The `/bin/sh -c` script. */
  readonly script: string;
  /** A compound command: run it under tini, which forwards signals to its group. */
  readonly needsInit: boolean;
}

/** Classifies a start command and writes its shell script (see the module comment). */
export function startCommandOf(command: string): StartCommand {
  const text = command.trim();
  if (hasShellOperator(text)) return { script: text, needsInit: true };
  let rest = text;
  for (let m = ASSIGNMENT.exec(rest); m !== null && rest !== ""; m = ASSIGNMENT.exec(rest)) {
    rest = rest.slice(m[0].length);
  }
  const first = rest.split(/\s+/, 1)[0] ?? "";
  if (rest === "" || RESERVED.has(first)) return { script: text, needsInit: true };
  if (first === "exec") return { script: text, needsInit: false };
  const assignments = text.slice(0, text.length - rest.length);
  return { script: `${assignments}exec ${rest}`, needsInit: false };
}

/** Where each base image family keeps tini once installed by `tiniInstall`. */
export type ImageFamily = "debian" | "alpine";
const TINI: Record<ImageFamily, string> = { debian: "/usr/bin/tini", alpine: "/sbin/tini" };

/**
 * The RUN line installing tini (as root, before USER), through the family's package
 * mirror when one is set (its ARG line first).
 */
export function tiniInstall(family: ImageFamily, mirrors: BuildMirrors = {}): string {
  const mirror = family === "debian" ? aptMirror(mirrors) : apkMirror(mirrors);
  return [
    ...mirror.args,
    family === "debian"
      ? `RUN ${mirror.prefix}apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*`
      : `RUN ${mirror.prefix}apk add --no-cache tini`,
  ].join("\n");
}

/** The CMD line for a start command; `-g` sends signals to the whole process group. */
export function startCmd(start: StartCommand, family: ImageFamily): string {
  const sh = ["/bin/sh", "-c", start.script];
  return `CMD ${JSON.stringify(start.needsInit ? [TINI[family], "-g", "--", ...sh] : sh)}`;
}
