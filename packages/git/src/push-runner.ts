import {
  CancelledError,
  describeError,
  errorLine,
  errorLines,
  formatBytes,
  formatDuration,
  step,
  detail,
  type Logger,
  type PushPipeline,
  type OutputSink,
  type PreviewPushes,
  type RefUpdate,
} from "@qs/core";
import type { HookHandler, PushSession } from "./hook-server.ts";
import type { PushLock } from "./push-lock.ts";
import { findLargeFiles, LARGE_FILE_BYTES } from "./large-files.ts";
import { createQuarantinePush, type QuarantineEnv } from "./quarantine-push.ts";
import { runGit } from "./run-git.ts";

/** Options for createPushRunner. */
export interface PushRunnerOptions {
  pipeline: PushPipeline;
  lock: PushLock;
  logger: Logger;
  /** The app's configured deploy branch (short name), or undefined for the default rule. */
  deployBranchOf(app: string): Promise<string | undefined>;
  /** Review apps: other branches deploy to their preview. @defaultValue none (other branches are only stored) */
  previews?: PreviewPushes;
  /** @defaultValue Date.now */
  now?: () => number;
  /** Pushed files from this size on get a warning line. @defaultValue LARGE_FILE_BYTES (50 MiB) */
  largeFileBytes?: number;
}

const isZero = (sha: string): boolean => /^0+$/.test(sha);

/**
 * The hook's decision for one push: the deploy branch goes through the pipeline (under the
 * app's lock); other branches go to their preview app when the app has previews (deleting
 * the branch destroys the preview), else they are stored and said to be not deployed;
 * deleting the deploy branch is refused. Pre-receive is all-or-nothing, so any refusal
 * rejects every ref.
 */
export function createPushRunner(options: PushRunnerOptions): HookHandler {
  const now = options.now ?? Date.now;
  return async (session, updates, quarantine, out, signal) => {
    const branch = await deployBranch(
      session.repoDir,
      updates,
      await options.deployBranchOf(session.app),
    );
    const deployRef = `refs/heads/${branch}`;
    await warnLargeFiles(session.repoDir, updates, quarantine, out, options.largeFileBytes);
    const targets: { app: string; update: RefUpdate; branch: string }[] = [];
    for (const u of updates) {
      if (u.ref === deployRef && isZero(u.newSha)) {
        for (const l of errorLines(
          `deleting ${branch}, the deploy branch of ${session.app}, is refused`,
          `to remove the app run: ssh qs apps:destroy ${session.app}`,
        ))
          out.line(l);
        return false;
      }
      if (u.ref === deployRef) targets.unshift({ app: session.app, update: u, branch });
    }
    for (const u of updates) {
      if (u.ref === deployRef) continue;
      const other = u.ref.startsWith("refs/heads/") ? u.ref.slice("refs/heads/".length) : undefined;
      const what = isZero(u.newSha) ? "deleted" : "stored";
      try {
        if (other !== undefined && options.previews !== undefined && isZero(u.newSha)) {
          const removed = await options.previews.remove(session.app, other);
          if (removed !== undefined) {
            out.line(step(`Destroyed preview ${removed} (branch ${other} deleted)`));
            continue;
          }
        } else if (other !== undefined && options.previews !== undefined) {
          const preview = await options.previews.prepare(session.app, other, session.principal.user);
          if (preview !== undefined) {
            targets.push({ app: preview, update: u, branch: other });
            continue;
          }
        }
      } catch (err) {
        options.logger.warn({ err, app: session.app, ref: u.ref }, "preview step failed");
        for (const l of errorLines(describeError(err))) out.line(l);
        return false;
      }
      out.line(step(`${u.ref} ${what}, not deployed (the deploy branch of ${session.app} is ${branch})`));
    }
    for (const target of targets) {
      if (target.app !== session.app) out.line(step(`Deploying ${target.branch} to preview ${target.app}`));
      if (!(await deployOne(options, now, session, target.app, target.update, quarantine, out, signal))) return false;
    }
    return true;
  };
}

/** Runs one ref update through the pipeline under `app`'s lock; false rejects the push. */
async function deployOne(
  options: PushRunnerOptions,
  now: () => number,
  session: PushSession,
  app: string,
  deploy: RefUpdate,
  quarantine: QuarantineEnv,
  out: OutputSink,
  signal: AbortSignal,
): Promise<boolean> {
  const branch = deploy.ref.replace(/^refs\/heads\//, "");
  let release: () => void;
  try {
    release = await options.lock.acquire(app, session.principal.user, signal, (holder) => {
      out.line(
        detail(
          `waiting for the deploy of ${app} started ${formatDuration(now() - holder.since)} ago by ${holder.user}…`,
        ),
      );
    });
  } catch (err) {
    if (err instanceof CancelledError) return false;
    throw err;
  }
  // Held until receive-pack exits, i.e. until git has moved the ref (or not): the next
  // push must see the ref this one leaves behind.
  session.onEnd(release);
  try {
    const current = await refValue(session.repoDir, deploy.ref);
    if (current !== deploy.oldSha && !(current === undefined && isZero(deploy.oldSha))) {
      for (const l of errorLines(
        `${branch} moved while this push waited (another push landed first)`,
        "run git pull, then push again",
      ))
        out.line(l);
      release();
      return false;
    }
    const push = createQuarantinePush({
      id: session.id,
      app,
      principal: session.principal,
      update: deploy,
      repoDir: session.repoDir,
      quarantine,
    });
    const verdict = await options.pipeline.run(push, out, signal);
    if (signal.aborted || !verdict.ok) {
      if (!verdict.ok) for (const l of errorLines(verdict.reason)) out.line(l);
      release();
      return false;
    }
    return true;
  } catch (err) {
    release();
    if (signal.aborted) return false;
    options.logger.warn({ err, app }, "push pipeline failed");
    for (const l of errorLines(describeError(err))) out.line(l);
    return false;
  }
}

async function refValue(repoDir: string, ref: string): Promise<string | undefined> {
  const r = await runGit(["rev-parse", "--verify", "-q", ref], {
    cwd: repoDir,
    env: { GIT_DIR: repoDir },
  });
  return r.code === 0 ? r.stdout.toString("utf8").trim() : undefined;
}

/**
 * The configured branch, else `main`, else `master` when the repo (after this push) would
 * have master and not main — the rule Heroku-style users expect from older repos.
 */
async function deployBranch(
  repoDir: string,
  updates: readonly RefUpdate[],
  configured: string | undefined,
): Promise<string> {
  if (configured !== undefined) return configured;
  const r = await runGit(
    ["for-each-ref", "--format=%(refname)", "refs/heads/main", "refs/heads/master"],
    {
      cwd: repoDir,
      env: { GIT_DIR: repoDir },
    },
  );
  const refs = new Set(
    r.stdout
      .toString("utf8")
      .split("\n")
      .filter((l) => l.length > 0),
  );
  // Deletions are not applied: deleting master in a master-only repo must still be refused.
  for (const u of updates) if (!isZero(u.newSha)) refs.add(u.ref);
  return !refs.has("refs/heads/main") && refs.has("refs/heads/master") ? "master" : "main";
}

/**
 * One warning line per large file the push brings in: a small VPS pays for every big blob
 * on each push, clone and build, and the user is better told at the first one.
 */
async function warnLargeFiles(
  repoDir: string,
  updates: readonly RefUpdate[],
  quarantine: QuarantineEnv,
  out: OutputSink,
  threshold = LARGE_FILE_BYTES,
): Promise<void> {
  const seen = new Set<string>();
  for (const u of updates) {
    if (isZero(u.newSha)) continue;
    for (const file of await findLargeFiles(repoDir, quarantine, u.newSha, threshold)) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      out.line(
        errorLine(
          `warning: ${file.path} is ${formatBytes(file.bytes)}; files over ${formatBytes(threshold)} slow down every push and build — keep them out of git`,
        ),
      );
    }
  }
}
