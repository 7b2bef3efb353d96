import { spawn } from "node:child_process";
import type { QuarantineEnv } from "./quarantine-push.ts";

/** A blob a push brings in, with the path it was first seen at. */
export interface LargeFile {
  readonly path: string;
  readonly bytes: number;
}

/** Files from this size on get a warning in the push output (GitHub warns at 50 MiB too). */
export const LARGE_FILE_BYTES = 50 * 1024 * 1024;

/**
 * The blobs of `newSha` that no ref of the repo has yet and that are at least `threshold`
 * bytes, biggest first. Runs `git rev-list --objects <new> --not --all | git cat-file
 * --batch-check` with the hook's quarantine environment (the new objects live only there).
 */
export async function findLargeFiles(
  repoDir: string,
  quarantine: QuarantineEnv,
  newSha: string,
  threshold: number = LARGE_FILE_BYTES,
): Promise<LargeFile[]> {
  const env = { ...process.env, GIT_DIR: repoDir, ...quarantine };
  const revList = spawn("git", ["rev-list", "--objects", newSha, "--not", "--all"], {
    cwd: repoDir,
    env,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const check = spawn("git", ["cat-file", "--batch-check=%(objecttype) %(objectsize) %(rest)"], {
    cwd: repoDir,
    env,
    stdio: ["pipe", "pipe", "ignore"],
  });
  revList.on("error", () => undefined);
  check.on("error", () => undefined);
  check.stdin.on("error", () => undefined);
  revList.stdout.pipe(check.stdin);
  let text = "";
  check.stdout.on("data", (d: Buffer) => (text += d.toString("utf8")));
  await new Promise<void>((resolve) => check.on("close", () => resolve()));
  const found: LargeFile[] = [];
  for (const line of text.split("\n")) {
    const m = /^blob (\d+) (.+)$/.exec(line);
    if (m === null) continue;
    const bytes = Number(m[1]);
    if (bytes >= threshold) found.push({ path: m[2] ?? "", bytes });
  }
  return found.sort((a, b) => b.bytes - a.bytes);
}
