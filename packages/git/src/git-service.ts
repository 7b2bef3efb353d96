import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  AccessControl,
  ExecChannel,
  Logger,
  PreviewPushes,
  Principal,
  PushPipeline,
  SourceDeployer,
  SourceSettings,
} from "@qs/core";
import { parseGitCommand } from "./git-command.ts";
import { createHookServer, type HookServer } from "./hook-server.ts";
import { createGitHttpHandler } from "./http-handler.ts";
import { createPushLock } from "./push-lock.ts";
import { createPushRunner } from "./push-runner.ts";
import { createRepoStore, type GitRepoStore } from "./repo-store.ts";
import { createSourceDeployer } from "./source-deploy.ts";
import { serveGitOverSsh } from "./ssh-handler.ts";

/** Options for createGitService. */
export interface GitServiceOptions {
  /** Control-plane data dir: repos go to `<dataDir>/repos`, the hook socket to `<dataDir>/run`. */
  dataDir: string;
  access: AccessControl;
  pipeline: PushPipeline;
  logger: Logger;
  /** True when the app exists. @defaultValue the app's repo exists */
  appExists?: (app: string) => Promise<boolean>;
  /** The app's configured deploy branch. @defaultValue none: `main`, or `master` when only it exists */
  deployBranchOf?: (app: string) => Promise<string | undefined>;
  /** Review apps: pushes of other branches deploy to their preview. @defaultValue none */
  previews?: PreviewPushes;
  /** An app's source URL for apps:deploy and webhooks. @defaultValue none (nothing to fetch) */
  sourceOf?: (app: string) => Promise<SourceSettings | undefined>;
  /** The private half of an app's deploy key. @defaultValue none */
  deployKeyOf?: (app: string) => Promise<string | undefined>;
  /** Largest accepted push in bytes. @defaultValue 200 MiB (what a small VPS takes) */
  maxPushBytes?: number;
  /** Unix socket of the hook server. @defaultValue `<dataDir>/run/hook.sock` */
  socketPath?: string;
}

/** git over SSH and smart HTTP, with the pre-receive hook server behind both. */
export interface GitService {
  readonly repos: GitRepoStore;
  /** Fetch-and-deploy from an app's source URL, through the pipeline and lock pushes use. */
  readonly sources: SourceDeployer;
  /** Handles an SSH exec if it is a git command; resolves false (untouched channel) otherwise. */
  handleSsh(principal: Principal, command: string, channel: ExecChannel): Promise<boolean>;
  /** Fetch-style handler for requests under `/git/`. */
  handleHttp(request: Request): Promise<Response>;
  /** Pushes running right now (pipeline phase). */
  activePushes(): number;
  /** Refuses new pushes, lets running ones finish for graceMs, then cancels them. */
  close(graceMs?: number): Promise<void>;
}

/** The push size limit when none is configured: 200 MiB, what a small VPS can take. */
export const DEFAULT_MAX_PUSH_BYTES = 200 * 1024 ** 2;

/** Starts the hook server, repairs every repo's hook, and returns the git handlers. */
export async function createGitService(options: GitServiceOptions): Promise<GitService> {
  const repos = createRepoStore({ root: join(options.dataDir, "repos") });
  await repos.repairAll();
  const lock = createPushLock();
  const hooks: HookServer = await createHookServer({
    socketPath: options.socketPath ?? (await defaultSocketPath(options.dataDir)),
    logger: options.logger,
    handle: createPushRunner({
      pipeline: options.pipeline,
      lock,
      logger: options.logger,
      deployBranchOf: options.deployBranchOf ?? (() => Promise.resolve(undefined)),
      ...(options.previews === undefined ? {} : { previews: options.previews }),
    }),
  });
  const shared = {
    access: options.access,
    repos,
    appExists: options.appExists ?? ((app: string) => repos.exists(app)),
    hooks,
    logger: options.logger,
    maxPushBytes: options.maxPushBytes ?? DEFAULT_MAX_PUSH_BYTES,
  };
  const http = createGitHttpHandler(shared);
  const sources = createSourceDeployer({
    pipeline: options.pipeline,
    lock,
    logger: options.logger,
    repoPath: (app) => repos.path(app),
    sourceOf: options.sourceOf ?? (() => Promise.resolve(undefined)),
    ...(options.deployKeyOf === undefined ? {} : { deployKeyOf: options.deployKeyOf }),
  });
  return {
    repos,
    sources,
    async handleSsh(principal, command, channel) {
      const parsed = parseGitCommand(command);
      if (parsed === undefined) return false;
      await serveGitOverSsh(shared, principal, parsed, channel);
      return true;
    },
    handleHttp: http,
    activePushes: () => hooks.activePushes(),
    close: (graceMs) => hooks.close(graceMs),
  };
}

// sun_path holds 108 bytes including the NUL (unix(7)); a deep data dir gets a private
// 0700 directory under the system temp dir instead.
async function defaultSocketPath(dataDir: string): Promise<string> {
  const preferred = join(dataDir, "run", "hook.sock");
  if (Buffer.byteLength(preferred) <= 107) return preferred;
  return join(await mkdtemp(join(tmpdir(), "qs-hook-")), "hook.sock");
}
