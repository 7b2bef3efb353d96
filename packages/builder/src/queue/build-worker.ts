import { randomUUID } from "node:crypto";
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from "bullmq";
import {
  BuildFailedError,
  CancelledError,
  QsError,
  UnavailableError,
  type BuilderOutcome,
  type BuildRunner,
  type Logger,
} from "@qs/core";
import { buildBuildkitJob } from "../jobs/buildkit-job.ts";
import { parseBuilderDigest } from "../jobs/digest.ts";
import { buildKanikoJob } from "../jobs/kaniko-job.ts";
import { resolveBuilderJobOptions, type BuilderJobOptions } from "../jobs/options.ts";
import type { RegistryClient } from "../registry/registry-client.ts";
import type { BuildQueue } from "./build-queue.ts";
import { CANCEL_EVENT, encodeFailure, type BuildJobData, type BuildJobResult } from "./types.ts";
import { capBuildCache } from "../registry/app-images.ts";
import { closeWithin } from "./bounded-close.ts";
import { redisErrorLogger } from "./redis-errors.ts";

/** Options for createBuildWorker. */
export interface BuildWorkerOptions {
  readonly queue: BuildQueue;
  readonly runner: BuildRunner;
  /** The registry as the control plane reaches it (digest check, pruning). */
  readonly registry: RegistryClient;
  /** The registry host as the cluster reaches it, e.g. `registry.qs-system.svc:5000`. */
  readonly registryHost: string;
  /** Issues a fresh one-time URL for a build's stored context; undefined when it is gone. */
  readonly contextUrl: (buildId: string) => { url: string; sha256: string } | undefined;
  readonly logger: Logger;
  /** Builds at once. @defaultValue 2 */
  readonly concurrency?: number;
  /** A build running longer is stopped and its pod deleted. @defaultValue 900000 (15 min) */
  readonly timeoutMs?: number;
  /** Images kept per app in the registry (older ones are deleted). @defaultValue 5 */
  readonly keepImages?: number;
  /** Settings of the builder Jobs (namespace, images, resources …). */
  readonly jobs?: BuilderJobOptions;
  /** How often output lines are flushed to the push. @defaultValue 100 */
  readonly flushMs?: number;
  /** How often builds orphaned by another dead process are looked for. @defaultValue 15000 */
  readonly recoverIntervalMs?: number;
  /** close() drops a Redis connection that has not closed gracefully by then. @defaultValue 5000 */
  readonly closeTimeoutMs?: number;
  /** An app's build cache is emptied once it holds more images than this. @defaultValue 200 */
  readonly maxCacheImages?: number;
  /** How often a running build checks that its push is still there. @defaultValue 5000 */
  readonly clientCheckMs?: number;
}

/** The running worker. */
export interface BuildWorker {
  /** This process's worker name (recorded on the jobs it runs). */
  readonly instance: string;
  /** Fails builds left running by a dead process and deletes their pods. Resolves with their ids. */
  recover(): Promise<readonly string[]>;
  close(): Promise<void>;
}

/** The user-facing error for a builder pod that did not succeed. */
export function failureOf(outcome: BuilderOutcome, builderContainer: string): BuildFailedError {
  const who =
    outcome.container === builderContainer ? "the builder" : `container ${outcome.container}`;
  if (outcome.exitCode < 0) {
    // It never ran (image pull, config error): not the app's fault, but retrying the same
    // pod spec would not help either.
    return new BuildFailedError(`${who} could not start (${outcome.reason ?? "unknown reason"})`, {
      hint: "the operator should check the builder images (QS_BUILDER_*_IMAGE) and the cluster's access to them",
    });
  }
  const why = outcome.reason === undefined ? "" : ` (${outcome.reason})`;
  return new BuildFailedError(
    `the build failed: ${who} exited with code ${outcome.exitCode}${why}`,
    {
      hint: "read the output above, fix the app and push again",
    },
  );
}

/** Why a build whose push went away (client gone, Redis lost meanwhile) was stopped. */
function pushGone(): CancelledError {
  return new CancelledError("the push that started this build has gone; nothing was deployed", {
    hint: "push again",
  });
}

/** Starts the `builds` worker; it first recovers builds orphaned by a crash. */
export async function createBuildWorker(options: BuildWorkerOptions): Promise<BuildWorker> {
  const { queue, runner, registry, logger } = options;
  const instance = `qs-${randomUUID()}`;
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  const jobOptions = resolveBuilderJobOptions({
    ...options.jobs,
    // The Job's own deadline is a backstop a little after ours.
    timeoutSeconds: Math.ceil(timeoutMs / 1000) + 60,
  });
  const base = { connection: queue.connection, prefix: queue.prefix };

  async function process(
    job: Job<BuildJobData, BuildJobResult>,
    _token?: string,
    signal?: AbortSignal,
  ) {
    const data = job.data;
    const log = logger.child({ app: data.app, build: data.buildId });
    await job.updateData({ ...data, worker: instance });
    const pending: string[] = [];
    let flushing = Promise.resolve();
    const flush = (): void => {
      if (pending.length === 0) return;
      const lines = pending.splice(0);
      flushing = flushing
        .then(async () => {
          await job.updateProgress({ lines });
          for (const line of lines) await job.log(line);
        })
        .catch((err: unknown) => log.warn({ err }, "could not publish build output"));
    };
    const timer = setInterval(flush, options.flushMs ?? 100);
    const say = (line: string): void => {
      pending.push(line);
    };

    const deadline = AbortSignal.timeout(timeoutMs);
    // A build nobody waits for would end in an image and no release: stop it instead.
    const clientGone = new AbortController();
    const checkClient = async (): Promise<void> => {
      if (data.clientLease !== true) return;
      if ((await queue.hasClient(data.buildId, 2_000)) === false) clientGone.abort();
    };
    const watch = setInterval(() => void checkClient(), options.clientCheckMs ?? 5_000);
    const abort = AbortSignal.any([
      deadline,
      clientGone.signal,
      ...(signal === undefined ? [] : [signal]),
    ]);
    try {
      await checkClient();
      if (clientGone.signal.aborted) throw pushGone();
      if (job.attemptsMade > 0) say(`-----> Retrying the build (attempt ${job.attemptsMade + 1})`);
      const context = options.contextUrl(data.buildId);
      if (context === undefined) {
        throw new UnrecoverableError(
          encodeFailure(
            new BuildFailedError("the build context is gone (the control plane restarted?)", {
              hint: "push again",
            }),
          ),
        );
      }
      const destinationRepo = `${options.registryHost}/${data.app}`;
      const tag = `${destinationRepo}:${data.gitSha.slice(0, 12)}`;
      const input = {
        app: data.app,
        buildId: data.buildId,
        gitSha: data.gitSha,
        destination: tag,
        cacheRepo: `${destinationRepo}/cache`,
        context,
        dockerfile: data.dockerfile,
      };
      const builder =
        data.engine === "buildkit"
          ? buildBuildkitJob(input, jobOptions)
          : buildKanikoJob(input, jobOptions);
      const request = {
        ...builder,
        // The tag, not just the digest: a line the build's own output printed names no
        // image this build pushed.
        confirmPushed: async (digest: string) =>
          (await registry.resolveTag(data.app, data.gitSha.slice(0, 12))) === digest,
      };
      say(
        `-----> Building with ${data.engine === "buildkit" ? "BuildKit" : "Kaniko"} in the cluster`,
      );
      let outcome: BuilderOutcome;
      try {
        outcome = await runner.run(request, (line) => say(`       ${line.text}`), abort);
      } catch (err) {
        if (clientGone.signal.aborted) throw pushGone();
        if (deadline.aborted) {
          throw new BuildFailedError(
            `the build took longer than ${Math.round(timeoutMs / 60_000)} min and was stopped`,
            {
              hint: "make the build faster, or ask the operator to raise QS_BUILD_TIMEOUT",
            },
          );
        }
        if (signal?.aborted === true) {
          throw new CancelledError(
            `the build was cancelled (${String(signal.reason ?? "cancelled")})`,
          );
        }
        throw err;
      }
      if (!outcome.succeeded) throw failureOf(outcome, request.builderContainer);
      const digest = outcome.digest ?? parseBuilderDigest(data.engine, outcome.message);
      if (digest === undefined) {
        throw new BuildFailedError("the builder finished but reported no image digest");
      }
      if (!(await registry.manifestExists(data.app, digest))) {
        throw new UnavailableError(
          "IMAGE_MISSING",
          `the image ${data.app}@${digest} is not in the registry after the build`,
        );
      }
      say(`-----> Image ${destinationRepo}@${digest}`);
      await prune(data.app, digest, log);
      return { digest, image: `${destinationRepo}@${digest}`, tag };
    } catch (err) {
      if (err instanceof UnrecoverableError) throw err;
      if (err instanceof QsError && !(err instanceof UnavailableError)) {
        // The user's build failed, was cancelled or timed out: retrying would not help.
        say(`!     ${err.message}`);
        throw new UnrecoverableError(encodeFailure(err));
      }
      // API or registry trouble: remove what may be left and let BullMQ retry with backoff.
      log.warn({ err }, "build attempt failed; it will be retried");
      await runner
        .deleteJobs(jobOptions.namespace, `quickstack.dev/build=${data.buildId}`)
        .catch(() => 0);
      throw new Error(
        encodeFailure(
          err instanceof QsError
            ? err
            : new UnavailableError("BUILD_ERROR", "the build could not run on the cluster", {
                hint: "it will be retried; see the control plane log",
              }),
        ),
        { cause: err },
      );
    } finally {
      clearInterval(watch);
      clearInterval(timer);
      flush();
      await flushing;
    }
  }

  /** Deletes images beyond the newest keepImages; a failure here never fails the build. */
  async function prune(app: string, keep: string, log: Logger): Promise<void> {
    try {
      const deleted = await registry.prune(app, { keep: options.keepImages ?? 5, protect: [keep] });
      if (deleted.length > 0) log.info({ deleted }, "deleted old images");
      const cache = await capBuildCache(registry, app, options.maxCacheImages ?? 200);
      if (cache > 0) log.info({ deleted: cache }, "build cache over its limit: emptied");
    } catch (err) {
      log.warn({ err }, "could not delete old images");
    }
  }

  /** Keeps the newest keepBuilds finished builds of an app. */
  async function trimHistory(app: string): Promise<void> {
    const jobs = (await queueJobs(["completed", "failed"])).filter((j) => j.data.app === app);
    jobs.sort((a, b) => b.data.createdAt.localeCompare(a.data.createdAt));
    await Promise.all(jobs.slice(queue.keepBuilds).map((j) => j.remove().catch(() => undefined)));
  }

  async function queueJobs(
    states: ("active" | "completed" | "failed")[],
  ): Promise<Job<BuildJobData, BuildJobResult>[]> {
    return (await inspector.getJobs(states, 0, -1)).filter(
      (j): j is Job<BuildJobData, BuildJobResult> => j !== undefined,
    );
  }

  // A worker whose process dies stops renewing its lock; BullMQ must never run such a
  // build again (the push that waited for it is gone), so maxStalledCount is 0.
  const worker = new Worker<BuildJobData, BuildJobResult>(queue.name, process, {
    ...base,
    name: instance,
    concurrency: options.concurrency ?? 2,
    maxStalledCount: 0,
    autorun: false,
  });
  worker.on("error", redisErrorLogger(logger, "worker"));
  // Trimmed once the build has left `active`, so it counts among the kept ones.
  const trim = (job: Job<BuildJobData, BuildJobResult> | undefined): void => {
    if (job === undefined) return;
    trimHistory(job.data.app).catch((err: unknown) =>
      logger.warn({ err, app: job.data.app }, "could not trim build history"),
    );
  };
  worker.on("completed", trim);
  worker.on("failed", trim);
  const inspector = new Queue<BuildJobData, BuildJobResult>(queue.name, base);
  inspector.on("error", redisErrorLogger(logger, "worker queue"));

  const cancels = new QueueEvents(queue.name, base);
  cancels.on("error", redisErrorLogger(logger, "cancel events"));
  cancels.on(CANCEL_EVENT as "progress", (args: unknown) => {
    const { jobId, reason } = args as { jobId?: string; reason?: string };
    if (jobId !== undefined) worker.cancelJob(jobId, reason ?? "cancelled");
  });

  async function recover(): Promise<readonly string[]> {
    const alive = new Set(
      (await inspector.getWorkers()).map(
        (w) => String((w as { rawname?: string }).rawname ?? "").split(":w:")[1],
      ),
    );
    const orphans = (await queueJobs(["active"])).filter(
      (j) =>
        j.data.worker !== instance && (j.data.worker === undefined || !alive.has(j.data.worker)),
    );
    for (const job of orphans) {
      await runner
        .deleteJobs(jobOptions.namespace, `quickstack.dev/build=${job.data.buildId}`)
        .catch((err: unknown) =>
          logger.warn({ err, build: job.data.buildId }, "could not delete an orphaned builder Job"),
        );
      await job
        .log("!     the control plane restarted during this build; its builder pod was removed")
        .catch(() => undefined);
      // Token "0" moves the job regardless of the dead worker's lock.
      await job
        .moveToFailed(
          new Error(
            encodeFailure(
              new BuildFailedError("the control plane restarted during this build", {
                hint: "push again",
              }),
            ),
          ),
          "0",
          false,
        )
        .catch((err: unknown) =>
          logger.warn({ err, build: job.data.buildId }, "could not fail an orphaned build"),
        );
    }
    if (orphans.length > 0)
      logger.warn(
        { builds: orphans.map((j) => j.data.buildId) },
        "failed builds orphaned by a restart",
      );
    return orphans.map((j) => j.data.buildId);
  }

  await Promise.all([
    worker.waitUntilReady(),
    cancels.waitUntilReady(),
    inspector.waitUntilReady(),
  ]);
  await recover();
  void worker.run().catch((err: unknown) => logger.error({ err }, "build worker stopped"));
  // Another control-plane replica may die while this one runs: look again now and then.
  const sweeping = setInterval(() => {
    recover().catch((err: unknown) => logger.warn({ err }, "could not check for orphaned builds"));
  }, options.recoverIntervalMs ?? 15_000);
  sweeping.unref();

  let closing: Promise<void> | undefined;
  return {
    instance,
    recover,
    close() {
      closing ??= (async () => {
        clearInterval(sweeping);
        worker.cancelAllJobs("the control plane is shutting down");
        const results = await Promise.allSettled([
          closeWithin(worker, closeTimeoutMs),
          closeWithin(cancels, closeTimeoutMs),
          closeWithin(inspector, closeTimeoutMs),
        ]);
        const failed = results.find((r) => r.status === "rejected");
        if (failed !== undefined) throw failed.reason;
      })();
      return closing;
    },
  };
}
