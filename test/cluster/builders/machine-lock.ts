import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// One lock per machine around making images: the cluster (and so its registry) is one per
// machine, and the suites that need images make the missing ones side by side. Two makers
// of the same image share its staging tag, and one deletes the manifest the other is still
// tagging (`crane digest …-staging: MANIFEST_UNKNOWN`). The lock is a folder (mkdir is
// atomic) holding the owner's pid; a folder whose owner is gone is taken over.

/** Where the lock of `name` lives: under the machine's temporary folder, shared by checkouts. */
export const lockPath = (name: string): string => join(tmpdir(), `qs-${name}.lock`);

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

/** Runs `fn` holding the machine-wide lock `name`; waits for it up to `timeoutMs`. */
export async function withMachineLock<T>(
  name: string,
  fn: () => Promise<T>,
  log: (line: string) => void = () => undefined,
  timeoutMs = 20 * 60_000,
): Promise<T> {
  const dir = lockPath(name);
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (ownerGone(dir)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${dir} is still held after ${timeoutMs / 1000} s (remove it if no one runs)`,
      );
    }
    if (!told) log(`       waiting for ${dir} (another process is making images)`);
    told = true;
    await new Promise((r) => setTimeout(r, 250));
  }
  writeFileSync(join(dir, "pid"), String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
