import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import type { Principal, Push, RefUpdate } from "@qs/core";
import { runGit } from "./run-git.ts";

/** The quarantine variables git gives the pre-receive hook (git-receive-pack(1), "QUARANTINE ENVIRONMENT"). */
export interface QuarantineEnv {
  readonly GIT_QUARANTINE_PATH?: string;
  readonly GIT_OBJECT_DIRECTORY?: string;
  readonly GIT_ALTERNATE_OBJECT_DIRECTORIES?: string;
}

/** What is needed to build a Push over a repo in quarantine. */
export interface QuarantinePushOptions {
  readonly id: string;
  readonly app: string;
  readonly principal: Principal;
  readonly update: RefUpdate;
  readonly repoDir: string;
  readonly quarantine: QuarantineEnv;
}

/**
 * A Push whose git reads run with the hook's quarantine environment: until pre-receive
 * says yes, the pushed objects live only in the quarantine directory, so a plain
 * `git archive <sha>` in the repo would not find them.
 */
export function createQuarantinePush(options: QuarantinePushOptions): Push {
  const env: NodeJS.ProcessEnv = { GIT_DIR: options.repoDir, ...options.quarantine };
  const sha = options.update.newSha;
  return {
    id: options.id,
    app: options.app,
    principal: options.principal,
    update: options.update,
    archive() {
      const child = spawn("git", ["archive", "--format=tar", sha], {
        cwd: options.repoDir,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      // Consume git's output at once: once a child exits, Node resumes (and so discards)
      // any of its stdout nobody reads yet, and a small archive is written before the
      // caller gets to piping it (an empty build context on a busy machine). The tar ends
      // only when git succeeded, so a failed archive is an error, never a short context.
      const out = new PassThrough();
      child.stdout.pipe(out, { end: false });
      child.on("error", (err) => out.destroy(err));
      child.on("close", (code) => {
        if (code === 0) out.end();
        else out.destroy(new Error(`git archive ${sha} failed: ${stderr.trim()}`));
      });
      return Promise.resolve(out);
    },
    async readFile(path) {
      const r = await runGit(["cat-file", "blob", `${sha}:${path}`], { cwd: options.repoDir, env });
      return r.code === 0 ? r.stdout : undefined;
    },
    async listFiles() {
      const r = await runGit(["ls-tree", "-r", "-z", "--name-only", sha], {
        cwd: options.repoDir,
        env,
      });
      if (r.code !== 0) throw new Error(`git ls-tree ${sha} failed: ${r.stderr.trim()}`);
      return r.stdout
        .toString("utf8")
        .split("\0")
        .filter((p) => p.length > 0);
    },
  };
}
