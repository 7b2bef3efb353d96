import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HOOK_CLIENT_SOURCE } from "./hook-client.ts";

/** Where the shared hook program lives inside the repo root (app names cannot start with "."). */
export function hookClientPath(root: string): string {
  return join(root, ".qs-hook", "pre-receive.cjs");
}

/** The `hooks/pre-receive` shell stub of every repo: runs the shared program with this node. */
export function buildHookStub(root: string, nodePath: string = process.execPath): string {
  return [
    "#!/bin/sh",
    "# Installed by QuickStack: hands the push to the control plane (packages/git).",
    `exec ${shellQuote(nodePath)} ${shellQuote(hookClientPath(root))}`,
    "",
  ].join("\n");
}

/**
 * Installs (or repairs) the pre-receive hook of the repo at `repoDir`: the shared program
 * under the root and the repo's stub. Files are only rewritten when their content differs,
 * through a temp file and rename, so a concurrent push never runs a half-written hook.
 */
export async function installHook(root: string, repoDir: string): Promise<void> {
  await writeIfChanged(hookClientPath(root), HOOK_CLIENT_SOURCE, 0o644);
  await writeIfChanged(join(repoDir, "hooks", "pre-receive"), buildHookStub(root), 0o755);
}

async function writeIfChanged(path: string, content: string, mode: number): Promise<void> {
  try {
    if ((await readFile(path, "utf8")) === content) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid.toString()}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
