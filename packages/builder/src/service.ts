import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  BuildFailedError,
  CancelledError,
  QsError,
  UnavailableError,
  errorLines,
  type BuildEngine,
  type BuilderSettings,
  type BuiltImage,
  type ImageBuilder,
  type Logger,
  type OutputSink,
  type Procfile,
  type Push,
} from "@qs/core";
import type { ContextStore } from "./context/context-store.ts";
import type { BuildQueue } from "./queue/build-queue.ts";
import { decodeFailure } from "./queue/types.ts";
import { detectStack, readProcfile } from "./stacks/detect.ts";
import { portNotes } from "./stacks/exposed-ports.ts";
import { DEFAULT_PORT, type StackOptions } from "./stacks/images.ts";

/** Options for createBuildService. */
export interface BuildServiceOptions {
  readonly queue: BuildQueue;
  readonly contexts: ContextStore;
  readonly logger: Logger;
  /** The registry host as the cluster reaches it (image references). */
  readonly registryHost: string;
  /** The app's builder settings (from its App spec). @defaultValue auto mode, default engine */
  readonly builderSettings?: (app: string) => Promise<BuilderSettings>;
  /** Engine when the app names none (QS_BUILDER). @defaultValue "kaniko" */
  readonly defaultEngine?: BuildEngine;
  /** Base images for generated Dockerfiles. */
  readonly stacks?: StackOptions;
  /** How often a queued push re-checks its place. @defaultValue 1000 */
  readonly pollMs?: number;
}

/** How long a refused push waits for its build record before answering anyway. */
const RECORD_TIMEOUT_MS = 5_000;

/** How long a push waits for Redis before saying the build service is unavailable. */
const REACHABLE_MS = 3_000;

/** How long a cancelled push still waits for its build to settle. */
const ABORT_GRACE_MS = 5_000;

/** What a push says when the build queue cannot be reached; nothing was deployed. */
export function buildServiceUnavailable(cause?: unknown): UnavailableError {
  return new UnavailableError(
    "BUILD_SERVICE_UNAVAILABLE",
    "build service unavailable, the running release was not changed, push again",
    { hint: "if it keeps failing, the operator should check Redis", cause },
  );
}

/** `promise`, or BUILD_SERVICE_UNAVAILABLE when the queue does not answer within ms. */
async function within<T>(promise: Promise<T>, ms: number = REACHABLE_MS * 5): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(buildServiceUnavailable()), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Short, unique, DNS-1123 build ids: time for order, randomness for uniqueness. */
export function newBuildId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/**
 * The push pipeline's build step: reads the Procfile, picks or generates the Dockerfile,
 * stores the context, queues the build, prints its place while it waits and its output
 * while it runs, and resolves with the image pinned by digest.
 */
export function createBuildService(options: BuildServiceOptions): ImageBuilder {
  const { queue, contexts } = options;
  const pollMs = options.pollMs ?? 1_000;

  return {
    async build(push: Push, out: OutputSink, signal: AbortSignal): Promise<BuiltImage> {
      const sha = push.update.newSha;
      const settings = (await options.builderSettings?.(push.app)) ?? { mode: "auto" as const };
      const engine = settings.engine ?? options.defaultEngine ?? "kaniko";
      const buildId = newBuildId();
      const log = options.logger.child({ app: push.app, build: buildId });
      const { procfile, dockerfile } = await refusedIsRecorded(push, buildId, out, log, async (tee) => {
        const procfile = await readProcfile(push);
        return { procfile, dockerfile: await chooseDockerfile(push, settings, tee, options.stacks, procfile) };
      });

      // Before anything is stored or queued: with Redis away, BullMQ would hold the push
      // until Redis came back (15 min in a trial) and then fail it for a wrong reason.
      if (!(await queue.reachable(REACHABLE_MS))) throw buildServiceUnavailable();
      const context = await contexts.prepare(buildId, await push.archive());
      let unfollow: (() => void) | undefined;
      try {
        signal.throwIfAborted();
        let settle: () => void = () => undefined;
        const settled = new Promise<void>((resolve) => (settle = resolve));
        unfollow = await within(
          queue.follow(buildId, {
            lines: (lines) => lines.forEach((l) => out.line(l)),
            settled: () => settle(),
          }),
        );
        await within(
          queue.enqueue({
            buildId,
            app: push.app,
            gitSha: sha,
            engine,
            dockerfile,
            createdAt: new Date().toISOString(),
            clientLease: true,
          }),
        );
        log.info({ engine, size: context.size }, "build queued");
        // The push has gone: cancel the build. Should Redis be away, the lapsing client
        // lease tells the worker instead (BuildJobData.clientLease).
        const onAbort = (): void => {
          void queue.dropClient(buildId).catch(() => undefined);
          void queue
            .cancel(push.app, "the push that started this build has gone")
            .catch((err: unknown) => log.warn({ err }, "could not cancel the build"));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        try {
          await waitForEnd(buildId, settled, out, signal);
        } finally {
          signal.removeEventListener("abort", onAbort);
        }
        const job = await queue.job(buildId);
        const state = job === undefined ? "removed" : await job.getState();
        if (state === "completed" && job?.returnvalue !== undefined) {
          return {
            image: job.returnvalue.image,
            tag: job.returnvalue.tag,
            digest: job.returnvalue.digest,
            processes: procfile?.processes ?? {},
            ...(procfile?.release === undefined ? {} : { releaseCommand: procfile.release }),
          };
        }
        if (state === "removed")
          throw new CancelledError("the build was cancelled before it started");
        throw decodeFailure(job?.failedReason);
      } finally {
        unfollow?.();
        await context.release();
      }
    },
  };

  /**
   * Runs the steps before the queue (Procfile, Dockerfile or stack detection). When they
   * refuse the push, the refusal is recorded as a failed build with the output so far, so
   * `apps:builds` shows it like any other failed build.
   */
  async function refusedIsRecorded<T>(
    push: Push,
    buildId: string,
    out: OutputSink,
    log: Logger,
    steps: (tee: OutputSink) => Promise<T>,
  ): Promise<T> {
    const lines: string[] = [];
    const createdAt = new Date().toISOString();
    try {
      return await steps({ line: (l) => (lines.push(l), out.line(l)) });
    } catch (err) {
      if (err instanceof QsError && !(err instanceof CancelledError)) {
        const record = {
          id: buildId,
          app: push.app,
          gitSha: push.update.newSha,
          createdAt,
          finishedAt: new Date().toISOString(),
          reason: err.message,
        };
        // The push is refused either way: a record that cannot be written (Redis away)
        // must neither hide why nor hold the push up.
        const recorded = queue
          .recordRejected(record, [...lines, ...errorLines(err.message, err.hint)])
          .catch((e: unknown) => log.warn({ err: e }, "could not record the refused build"));
        await Promise.race([recorded, sleep(RECORD_TIMEOUT_MS, undefined, { ref: false })]);
      }
      throw err;
    }
  }

  /** Waits until the build settles; says so while it is queued, with its place. */
  async function waitForEnd(
    buildId: string,
    settled: Promise<void>,
    out: OutputSink,
    signal: AbortSignal,
  ): Promise<void> {
    let said: number | undefined;
    let done = false;
    void settled.then(() => (done = true));
    // A push that has gone stops waiting at once, even while a queue call hangs on Redis.
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      // The cancel normally settles the build at once; the grace only matters when Redis
      // is away and nothing can settle.
      onAbort = () => {
        setTimeout(() => {
          done = true;
          reject(new CancelledError("the push was cancelled"));
        }, ABORT_GRACE_MS).unref();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
    aborted.catch(() => undefined);
    const polling = poll();
    polling.catch(() => undefined); // when the abort wins the race, a late failure is moot
    try {
      await Promise.race([polling, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }

    async function poll(): Promise<void> {
      while (!done) {
        await within(queue.holdClient(buildId));
        const position = await within(queue.position(buildId));
        if (position !== undefined && position !== said) {
          out.line(
            `-----> Queued: ${position === 1 ? "next in line" : `position ${position}`}, waiting for a free builder`,
          );
          said = position;
        }
        // The events are the fast path; the state check covers events missed across a reconnect.
        const job = await within(queue.job(buildId));
        const state = job === undefined ? "removed" : await within(job.getState());
        if (
          state === "completed" ||
          state === "failed" ||
          state === "removed" ||
          state === "unknown"
        )
          return;
        await Promise.race([settled, new Promise((r) => setTimeout(r, pollMs))]);
      }
    }
  }
}

/** The repo's Dockerfile, or a generated one (printed) when the app allows it. */
async function chooseDockerfile(
  push: Push,
  settings: BuilderSettings,
  out: OutputSink,
  stacks: StackOptions | undefined,
  procfile: Procfile | undefined,
): Promise<{ path: string } | { generated: string }> {
  const path = settings.dockerfile ?? "Dockerfile";
  const files = await push.listFiles();
  if (files.includes(path)) {
    out.line(`-----> Using ${path}`);
    // Without a Procfile the image's CMD runs as `web`; generated Dockerfiles listen on
    // PORT already, a user's own may not.
    if (procfile === undefined || procfile.processes.web !== undefined) {
      const text = (await push.readFile(path))?.toString("utf8") ?? "";
      // DEFAULT_PORT is also the PORT the platform gives `web` (packages/kube renderOptions).
      for (const line of portNotes(text, DEFAULT_PORT)) out.line(line);
    }
    return { path };
  }
  if (settings.mode === "dockerfile") {
    throw new BuildFailedError(`${path} not found in the pushed tree`, {
      hint: "commit it, set another path, or switch to auto: ssh qs apps:builder-set <app> auto",
    });
  }
  const found = await detectStack({ files, readFile: (p) => push.readFile(p) }, stacks);
  out.line(`-----> No ${path}: detected a ${found.stack} app`);
  for (const fact of found.facts) out.line(`       ${fact}`);
  out.line("-----> Generated Dockerfile:");
  for (const line of found.dockerfile.trimEnd().split("\n")) out.line(`       ${line}`);
  return { generated: found.dockerfile };
}
