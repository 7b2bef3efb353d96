import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "@qs/config";
import {
  silentLogger,
  type AccessControl,
  type OutputSink,
  type Principal,
  type Push,
  type PushVerdict,
} from "@qs/core";
import { startControlPlane, type ControlPlane } from "../../../apps/server/src/control-plane.ts";
import { generateClientKey, gitSshCommand, type ClientKey } from "../../support/ssh.ts";
import { tempDir } from "../../support/tmp.ts";

/** What a scripted pipeline step does for one push. */
export type Script = (push: Push, out: OutputSink, signal: AbortSignal) => Promise<PushVerdict>;

/** A record of one pipeline run, for assertions. */
export interface Run {
  readonly app: string;
  readonly user: string;
  readonly sha: string;
  readonly ref: string;
  /** Set when the run ends: its verdict, or "aborted" when the signal fired. */
  outcome?: "ok" | "rejected" | "aborted";
}

/** The control plane in-process with a test AccessControl and a scriptable pipeline. */
export interface GitHarness {
  readonly plane: ControlPlane;
  readonly dir: string;
  readonly ann: ClientKey; // admin
  readonly bob: ClientKey; // developer, only the apps in `grants`
  readonly apps: Set<string>;
  readonly grants: Set<string>;
  readonly scripts: Map<string, Script>;
  /** App → configured deploy branch (unset: main, or master when only it exists). */
  readonly deployBranches: Map<string, string>;
  readonly runs: Run[];
  /** The bare repo of an app. */
  repo(app: string): string;
  readonly tokens: { ann: string; bob: string };
  sshUrl(app: string): string;
  httpUrl(app: string, who?: "ann" | "bob"): string;
  close(): Promise<void>;
}

/** Starts a control plane for git tests (values as for QS_MAX_PUSH_BYTES, QS_SHUTDOWN_GRACE_SECONDS). */
export async function startGitHarness(
  maxPushBytes = "2Mi",
  graceSeconds = "5",
): Promise<GitHarness> {
  const tmp = await tempDir("qs-git-");
  const ann = await generateClientKey(tmp.path, "ed25519", "ann");
  const bob = await generateClientKey(tmp.path, "ed25519", "bob");
  const apps = new Set<string>();
  const grants = new Set<string>();
  const scripts = new Map<string, Script>();
  const runs: Run[] = [];
  const deployBranches = new Map<string, string>();
  const tokens = { ann: "tok-ann-secret", bob: "tok-bob-secret" };
  const keyBlob = (key: ClientKey): string => key.publicKey.split(/\s+/)[1] ?? "";
  const principals: Record<string, Principal> = {
    ann: { user: "ann", role: "admin" },
    bob: { user: "bob", role: "developer" },
  };
  const access: AccessControl = {
    authenticateKey: (offered) => {
      const blob = offered.data.toString("base64");
      if (blob === keyBlob(ann)) return Promise.resolve(principals.ann);
      if (blob === keyBlob(bob)) return Promise.resolve(principals.bob);
      return Promise.resolve(undefined);
    },
    authenticateToken: (user, token) => {
      if (user === "ann" && token === tokens.ann) return Promise.resolve(principals.ann);
      if (user === "bob" && token === tokens.bob) return Promise.resolve(principals.bob);
      return Promise.resolve(undefined);
    },
    canAccessApp: (p, app) => Promise.resolve(p.role === "admin" || grants.has(app)),
  };
  const config = loadConfig({
    QS_DATA_DIR: join(tmp.path, "data"),
    QS_HTTP_HOST: "127.0.0.1",
    QS_HTTP_PORT: "0",
    QS_SSH_HOST: "127.0.0.1",
    QS_SSH_PORT: "0",
    QS_REDIS_URL: process.env.QS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    QS_LOG_LEVEL: "silent",
    QS_MAX_PUSH_BYTES: maxPushBytes,
    QS_SHUTDOWN_GRACE_SECONDS: graceSeconds,
  });
  const plane = await startControlPlane(config, silentLogger, {
    access,
    appExists: (app) => Promise.resolve(apps.has(app)),
    deployBranchOf: (app) => Promise.resolve(deployBranches.get(app)),
    pipeline: {
      async run(push, out, signal) {
        const run: Run = {
          app: push.app,
          user: push.principal.user,
          sha: push.update.newSha,
          ref: push.update.ref,
        };
        runs.push(run);
        const script = scripts.get(push.app) ?? acceptScript;
        try {
          const verdict = await script(push, out, signal);
          run.outcome = signal.aborted ? "aborted" : verdict.ok ? "ok" : "rejected";
          return verdict;
        } catch (err) {
          run.outcome = signal.aborted ? "aborted" : "rejected";
          throw err;
        }
      },
    },
  });
  return {
    plane,
    dir: tmp.path,
    ann,
    bob,
    apps,
    grants,
    scripts,
    deployBranches,
    runs,
    tokens,
    repo: (app) => join(tmp.path, "data", "repos", `${app}.git`),
    sshUrl: (app) => `ssh://git@127.0.0.1:${plane.sshPort.toString()}/${app}.git`,
    httpUrl: (app, who = "ann") =>
      `http://${who}:${tokens[who]}@127.0.0.1:${plane.httpPort.toString()}/git/${app}.git`,
    async close() {
      await plane.close();
      await tmp.remove();
    },
  };
}

/** Accepts, printing Heroku-style lines like a real pipeline. */
export const acceptScript: Script = (push, out) => {
  out.line(`-----> Building ${push.app} (${push.update.newSha.slice(0, 7)})`);
  out.line("=====> Released v1");
  return Promise.resolve({ ok: true });
};

/** Result of a git command. */
export interface GitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real git client; `key` sets GIT_SSH_COMMAND. Never throws on a non-zero exit. */
export function runGit(
  args: readonly string[],
  options: { cwd?: string; key?: ClientKey; onStderr?: (text: string) => void } = {},
): Promise<GitRun> & { kill(): void } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    HOME: options.cwd ?? process.cwd(),
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.com",
  };
  if (options.key !== undefined) env.GIT_SSH_COMMAND = gitSshCommand(options.key);
  // Own process group, so kill() takes ssh / git-remote-http down with git, like Ctrl-C.
  const child = spawn("git", args, {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const promise = new Promise<GitRun>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString("utf8");
      stderr += text;
      options.onStderr?.(text);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return Object.assign(promise, {
    kill: () => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    },
  });
}

/** Makes a work tree at `dir` on branch `branch` with one commit of `files`; returns its sha. */
export async function makeRepo(
  dir: string,
  files: Record<string, string | Buffer>,
  branch = "main",
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await must(runGit(["init", "-q", "-b", branch], { cwd: dir }));
  return commit(dir, files, "first");
}

/** Writes `files` and commits them; returns the new sha. */
export async function commit(
  dir: string,
  files: Record<string, string | Buffer>,
  message: string,
): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  await must(runGit(["add", "-A"], { cwd: dir }));
  await must(runGit(["commit", "-q", "-m", message], { cwd: dir }));
  return (await must(runGit(["rev-parse", "HEAD"], { cwd: dir }))).stdout.trim();
}

/** Throws with git's stderr unless the command succeeded. */
export async function must(run: Promise<GitRun>): Promise<GitRun> {
  const r = await run;
  if (r.code !== 0) throw new Error(`git failed (${r.code.toString()}): ${r.stderr}`);
  return r;
}

/** The sha a bare repo's ref points at, or undefined. */
export async function refOf(repoDir: string, ref: string): Promise<string | undefined> {
  const r = await runGit(["--git-dir", repoDir, "rev-parse", "--verify", "-q", ref]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** A promise the test resolves when it chooses (a gate a scripted pipeline waits on). */
export function gate(): { promise: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves when `predicate` holds, checking each time `poke` is called. */
export function until(predicate: () => boolean): { promise: Promise<void>; poke(): void } {
  let done = (): void => undefined;
  const promise = new Promise<void>((resolve) => (done = resolve));
  const poke = (): void => {
    if (predicate()) done();
  };
  return { promise, poke };
}
