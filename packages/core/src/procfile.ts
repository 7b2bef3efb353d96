import { ValidationError } from "./errors.ts";

/** A parsed Procfile: process type → command, with the `release:` entry kept apart. */
export interface Procfile {
  /** Long-running process types in file order (`web`, `worker`, …). */
  readonly processes: Readonly<Record<string, string>>;
  /** The `release:` command, run once as a Job before each rollout. */
  readonly release?: string;
}

/**
 * Process types become parts of Kubernetes names and labels (`<app>-<process>`), so they
 * are DNS-1123 labels kept short; Heroku's `[A-Za-z0-9_-]+` is narrowed to that.
 */
const PROCESS_TYPE = /^[a-z0-9]([-a-z0-9]{0,22}[a-z0-9])?$/;
const LINE = /^([^\s:#]+)[ \t]*:[ \t]*(.*)$/;
/** The Procfile is small by nature; a huge one is a mistake, not a config. */
const MAX_PROCFILE_BYTES = 64 * 1024;

/** True when `name` is a valid process type. */
export function isProcessType(name: string): boolean {
  return PROCESS_TYPE.test(name);
}

/**
 * Parses a Procfile (`type: command` per line, `#` comments and blank lines ignored).
 * Throws ValidationError INVALID_PROCFILE naming the line that is wrong.
 */
export function parseProcfile(text: string): Procfile {
  if (Buffer.byteLength(text) > MAX_PROCFILE_BYTES) {
    throw new ValidationError("INVALID_PROCFILE", "Procfile is larger than 64 KiB");
  }
  const processes: Record<string, string> = {};
  let release: string | undefined;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `Procfile line ${index + 1}`;
    const match = LINE.exec(line);
    if (match === null) {
      throw new ValidationError("INVALID_PROCFILE", `${where} is not "type: command"`, {
        hint: "write each process as e.g. `web: node server.js`",
      });
    }
    const type = match[1] ?? "";
    const command = (match[2] ?? "").trim();
    if (!isProcessType(type)) {
      throw new ValidationError(
        "INVALID_PROCFILE",
        `${where}: process type "${type}" is not valid`,
        {
          hint: "use lower-case letters, digits and '-' (at most 24 characters), e.g. web, worker",
        },
      );
    }
    if (command === "") {
      throw new ValidationError(
        "INVALID_PROCFILE",
        `${where}: process type "${type}" has no command`,
      );
    }
    if (type === "release") {
      if (release !== undefined) {
        throw new ValidationError("INVALID_PROCFILE", `${where}: "release" is defined twice`);
      }
      release = command;
      return;
    }
    if (Object.hasOwn(processes, type)) {
      throw new ValidationError("INVALID_PROCFILE", `${where}: "${type}" is defined twice`);
    }
    processes[type] = command;
  });
  return release === undefined ? { processes } : { processes, release };
}
