import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Machine-wide locks around making images and root filesystems: the cluster (and so its
// registry) is one per machine, and the suites that need images make the missing ones side
// by side, each in its own worker process. Two makers of the same image share its staging
// tag, and one deletes the manifest the other is still tagging (`crane digest …-staging:
// MANIFEST_UNKNOWN`); two debootstraps of the same root filesystem share its folder, and
// one removes it under the other (EPERM). A lock is a folder (mkdir is atomic) holding the
// owner's pid; a folder whose owner is gone is taken over.

/** Where the lock of `name` lives: under the machine's temporary folder, shared by checkouts. */
export const lockPath = (name: string): string => join(tmpdir(), `qs-${name}.lock`);

/** The lock around checking for and making one image reference. */
export const imageLock = (ref: string): string => `image-${ref.replace(/[^\w.-]/g, "_")}`;

/** The locks this async context holds: a holder may call a maker that takes the same lock. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

function ownerGone(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, "pid"), "utf8"));
  } catch {
    // Made but not yet written, or gone already: stale only when old.
    try {
      return Date.now() - statSync(dir).mtimeMs > 60_000;
    } catch {
      return true;
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** One attempt: true when this process now holds `dir`. */
function tryTake(dir: string): boolean {
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    if (ownerGone(dir)) rmSync(dir, { recursive: true, force: true });
    return false;
  }
  writeFileSync(join(dir, "pid"), String(process.pid));
  return true;
}

function stillHeld(dir: string, timeoutMs: number): Error {
  return new Error(`${dir} is still held after ${timeoutMs / 1000} s (remove it if no one runs)`);
}

/** Runs `fn` holding the machine-wide lock `name`; waits for it up to `timeoutMs`. */
export async function withMachineLock<T>(
  name: string,
  fn: () => Promise<T>,
  log: (line: string) => void = () => undefined,
  timeoutMs = 20 * 60_000,
): Promise<T> {
  const outer = held.getStore() ?? new Set<string>();
  if (outer.has(name)) return fn();
  const dir = lockPath(name);
  const deadline = Date.now() + timeoutMs;
  let told = false;
  while (!tryTake(dir)) {
    if (Date.now() > deadline) throw stillHeld(dir, timeoutMs);
    if (!told) log(`       waiting for ${dir} (another process is making images)`);
    told = true;
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    return await held.run(new Set([...outer, name]), fn);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** withMachineLock for synchronous work (the process sleeps while it waits). */
export function withMachineLockSync<T>(
  name: string,
  fn: () => T,
  log: (line: string) => void = () => undefined,
  timeoutMs = 20 * 60_000,
): T {
  const dir = lockPath(name);
  const deadline = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let told = false;
  while (!tryTake(dir)) {
    if (Date.now() > deadline) throw stillHeld(dir, timeoutMs);
    if (!told) log(`       waiting for ${dir} (another process is making it)`);
    told = true;
    Atomics.wait(sleeper, 0, 0, 250);
  }
  try {
    return fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
