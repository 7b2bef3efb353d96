import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

// The cluster's daemons run detached from the command that started them (so `cluster up`
// can return), each with a pid file and a log file under the cluster folder.

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** Starts `spec` in its own process group; output goes to logs/<name>.log. */
export async function startDaemon(
  dirs: { logs: string; pids: string },
  spec: DaemonSpec,
): Promise<number> {
  await mkdir(dirs.logs, { recursive: true });
  await mkdir(dirs.pids, { recursive: true });
  const log = openSync(join(dirs.logs, `${spec.name}.log`), "a");
  const child = spawn(spec.command, spec.args, {
    detached: true,
    stdio: ["ignore", log, log],
    env: spec.env ?? process.env,
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name} did not start (${spec.command})`);
  child.unref();
  await writeFile(join(dirs.pids, `${spec.name}.pid`), `${pid}\n`);
  return pid;
}

/** The pid of a running daemon, or undefined. */
export function daemonPid(pidsDir: string, name: string): number | undefined {
  const file = join(pidsDir, `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops one daemon's process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopDaemon(
  pidsDir: string,
  name: string,
  graceMs = 10_000,
): Promise<boolean> {
  const pid = daemonPid(pidsDir, name);
  await rm(join(pidsDir, `${name}.pid`), { force: true });
  if (pid === undefined) return false;
  signalGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, "SIGKILL");
  while (isAlive(pid)) await sleep(50);
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Names of daemons that have a pid file. */
export async function daemonNames(pidsDir: string): Promise<string[]> {
  if (!existsSync(pidsDir)) return [];
  return (await readdir(pidsDir)).filter((f) => f.endsWith(".pid")).map((f) => f.slice(0, -4));
}

/** The last `lines` lines of a daemon's log, for error messages. */
export function logTail(logsDir: string, name: string, lines = 25): string {
  const file = join(logsDir, `${name}.log`);
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8")
    .split("\n")
    .slice(-lines - 1)
    .join("\n");
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; throws with `describe()` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : "";
      throw new Error(
        `${what} not ready after ${Math.round(timeoutMs / 1000)} s${why}${describe ? `\n${describe()}` : ""}`,
      );
    }
    await sleep(250);
  }
}
