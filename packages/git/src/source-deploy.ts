import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CancelledError,
  ValidationError,
  detail,
  formatDuration,
  shortSha,
  step,
  type Logger,
  type PushPipeline,
  type SourceDeployer,
  type SourceSettings,
} from "@qs/core";
import type { PushLock } from "./push-lock.ts";
import { createQuarantinePush } from "./quarantine-push.ts";
import { runGit } from "./run-git.ts";

/** Options for createSourceDeployer. */
export interface SourceDeployerOptions {
  readonly pipeline: PushPipeline;
  /** The same lock pushes take: one deploy per app at a time, whatever started it. */
  readonly lock: PushLock;
  readonly logger: Logger;
  /** The bare repo of an app (created by apps:create). */
  repoPath(app: string): string;
  /** The app's source settings; undefined when apps:source-set was not run. */
  sourceOf(app: string): Promise<SourceSettings | undefined>;
  /** The private half of the app's deploy key (OpenSSH format), if one was generated. */
  deployKeyOf?(app: string): Promise<string | undefined>;
  /** Milliseconds since epoch. @defaultValue Date.now */
  readonly now?: () => number;
}

const SHA = /^[0-9a-f]{7,40}$/;

/** The ref fetched source commits are kept under, so `git gc` does not drop them. */
export const SOURCE_REF = "refs/qs/source";

/**
 * Fetch-and-deploy: `git fetch` of the source branch into the app's repo (no shell, no
 * credentials in argv or output), then the commit goes through the push pipeline under the
 * app's lock, exactly as a push of it would.
 */
export function createSourceDeployer(options: SourceDeployerOptions): SourceDeployer {
  const now = options.now ?? Date.now;
  return {
    async deploy(request, out, signal) {
      const source = await options.sourceOf(request.app);
      if (source === undefined) {
        throw new ValidationError("NO_SOURCE", `${request.app} has no source URL to deploy from`, {
          hint: `set one: ssh qs apps:source-set ${request.app} https://git.example.com/team/${request.app}.git --branch main`,
        });
      }
      if (request.ref !== undefined && !SHA.test(request.ref)) {
        throw new ValidationError("INVALID_REF", `--ref ${JSON.stringify(request.ref.slice(0, 50))} is not a commit sha`, {
          hint: "give 7 to 40 lower-case hex digits, e.g. --ref 3f2a9c1",
        });
      }
      const repoDir = options.repoPath(request.app);
      const env = { GIT_DIR: repoDir, GIT_TERMINAL_PROMPT: "0" };
      out.line(step(`Fetching ${source.branch} of ${redactUrl(source.url)}`));
      const ssh = await sshEnv(options, request.app);
      let fetched;
      try {
        fetched = await runGit(
          ["fetch", "--quiet", "--no-tags", "--", source.url, `+refs/heads/${source.branch}:${SOURCE_REF}/${source.branch}`],
          { cwd: repoDir, env: { ...env, ...ssh.env } },
        );
      } finally {
        await ssh.cleanup();
      }
      if (fetched.code !== 0) {
        throw new ValidationError("FETCH_FAILED", `could not fetch ${source.branch} of ${redactUrl(source.url)}: ${redactUrl(lastLine(fetched.stderr))}`, {
          hint: "check the URL and branch (ssh qs apps:source-set), and that the Git host accepts the deploy key if it needs one",
        });
      }
      const wanted = request.ref ?? `${SOURCE_REF}/${source.branch}`;
      const resolved = await runGit(["rev-parse", "--verify", "-q", `${wanted}^{commit}`], { cwd: repoDir, env });
      const sha = resolved.stdout.toString("utf8").trim();
      if (resolved.code !== 0 || sha.length !== 40) {
        throw new ValidationError("REF_NOT_FOUND", `commit ${wanted} is not in ${source.branch} of ${redactUrl(source.url)}`, {
          hint: `push it to ${source.branch} first, or give a sha from that branch`,
        });
      }
      if (request.ref !== undefined) {
        const onBranch = await runGit(["merge-base", "--is-ancestor", sha, `${SOURCE_REF}/${source.branch}`], { cwd: repoDir, env });
        if (onBranch.code !== 0) {
          throw new ValidationError("REF_NOT_ON_BRANCH", `commit ${shortSha(sha)} is not on ${source.branch}`, {
            hint: `deploy a commit of ${source.branch}, or change the branch with apps:source-set`,
          });
        }
      }
      out.line(detail(`${source.branch} → ${shortSha(sha)}`));
      let release: () => void;
      try {
        release = await options.lock.acquire(request.app, request.principal.user, signal, (holder) => {
          out.line(detail(`waiting for the deploy of ${request.app} started ${formatDuration(now() - holder.since)} ago by ${holder.user}…`));
        });
      } catch (err) {
        if (err instanceof CancelledError) return { ok: false, reason: "the deploy was cancelled", sha };
        throw err;
      }
      try {
        const deployedRef = `${SOURCE_REF}-deployed`;
        const old = await runGit(["rev-parse", "--verify", "-q", deployedRef], { cwd: repoDir, env });
        const push = createQuarantinePush({
          id: randomUUID(),
          app: request.app,
          principal: request.principal,
          update: { oldSha: old.code === 0 ? old.stdout.toString("utf8").trim() : "0".repeat(40), newSha: sha, ref: `refs/heads/${source.branch}` },
          repoDir,
          quarantine: {},
        });
        const verdict = await options.pipeline.run(push, out, signal);
        if (verdict.ok) await runGit(["update-ref", deployedRef, sha], { cwd: repoDir, env });
        options.logger.info({ app: request.app, sha: shortSha(sha), ok: verdict.ok }, "source deploy finished");
        return { ...verdict, sha };
      } finally {
        release();
      }
    },
  };
}

/**
 * ssh settings for a fetch with the app's deploy key: the key goes to ssh through a 0600
 * file in a private temp dir (never argv or the environment), removed after the fetch.
 */
async function sshEnv(
  options: SourceDeployerOptions,
  app: string,
): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const key = await options.deployKeyOf?.(app);
  if (key === undefined) return { env: {}, cleanup: () => Promise.resolve() };
  const dir = await mkdtemp(join(tmpdir(), "qs-deploy-key-"));
  const file = join(dir, "id_ed25519");
  await writeFile(file, key, { mode: 0o600 });
  return {
    env: {
      GIT_SSH_COMMAND: `ssh -i ${file} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${join(dir, "known_hosts")}`,
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `https://user:token@host/x.git` → `https://host/x.git`: credentials never reach output. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z]+:\/\/)[^/@\s]*@/gi, "$1");
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return (lines[lines.length - 1] ?? "").slice(0, 300);
}
