import { spawn } from "node:child_process";

/** Result of a finished git command. */
export interface GitResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs `git args…` to completion with the given environment additions and collects output. */
export function runGit(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err }),
    );
  });
}

/** Like runGit but throws with git's stderr when the exit code is not 0. */
export async function git(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Buffer> {
  const r = await runGit(args, options);
  if (r.code !== 0)
    throw new Error(`git ${args[0] ?? ""} failed (${r.code.toString()}): ${r.stderr.trim()}`);
  return r.stdout;
}
