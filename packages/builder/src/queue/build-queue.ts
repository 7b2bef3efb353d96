import { Queue, QueueEvents, QueueEventsProducer, type ConnectionOptions, type Job } from "bullmq";
import { type BuildControl, type BuildRecord, type BuildState, type Logger, silentLogger } from "@qs/core";
import {
  CANCEL_EVENT,
  decodeFailure,
  type BuildJobData,
  type BuildJobResult,
  type BuildProgress,
} from "./types.ts";
import { closeWithin } from "./bounded-close.ts";
import { redisErrorLogger } from "./redis-errors.ts";

/** Options for createBuildQueue. */
export interface BuildQueueOptions {
  /** A BullMQ connection: options or an ioredis instance from @qs/redis (maxRetriesPerRequest: null). */
  readonly connection: ConnectionOptions;
  /** @defaultValue "builds" */
  readonly name?: string;
  /** Key prefix in Redis. @defaultValue "qs" */
  readonly prefix?: string;
  /** Builds kept per app for `apps:builds`. @defaultValue 10 */
  readonly keepBuilds?: number;
  /** Output lines kept per build (the last ones). @defaultValue 5000 */
  readonly maxOutputLines?: number;
  /** Attempts for builds failing on the network (never for user errors). @defaultValue 3 */
  readonly attempts?: number;
  /** First retry delay, doubled each time. @defaultValue 5000 */
  readonly backoffMs?: number;
  /** close() drops a Redis connection that has not closed gracefully by then. @defaultValue 5000 */
  readonly closeTimeoutMs?: number;
  /** Where Redis errors go (rate-limited). @defaultValue silentLogger */
  readonly logger?: Logger;
  /** A waiting push's client lease lapses this long after its last renewal. @defaultValue 30000 */
  readonly clientLeaseMs?: number;
}

/** Events of one build, as the push sees them. */
export interface BuildListener {
  lines(lines: readonly string[]): void;
  /** The build left the queue: finished, failed or removed. */
  settled(): void;
}

/** The producer side of the `builds` queue, plus BuildControl for the command layer. */
export interface BuildQueue extends BuildControl {
  readonly name: string;
  readonly prefix: string;
  readonly connection: ConnectionOptions;
  readonly keepBuilds: number;
  enqueue(data: BuildJobData): Promise<void>;
  /**
   * Records a build refused before it was queued (no Dockerfile and no stack detected, an
   * invalid package.json …) as failed, with its output, so `apps:builds` shows it like
   * any failed build. Kept beside the jobs (it never was one), as many per app as builds.
   */
  recordRejected(record: Omit<BuildRecord, "state">, lines: readonly string[]): Promise<void>;
  /** True when Redis answers within timeoutMs (a push checks before it queues anything). */
  reachable(timeoutMs: number): Promise<boolean>;
  /** Renews the lease of the push waiting for this build (see BuildJobData.clientLease). */
  holdClient(buildId: string): Promise<void>;
  /** Ends the lease at once: the push has gone. */
  dropClient(buildId: string): Promise<void>;
  /** Whether the push waiting for this build is still there; undefined when Redis cannot say. */
  hasClient(buildId: string, timeoutMs: number): Promise<boolean | undefined>;
  /** 1-based place among waiting builds; undefined once it runs or ended. */
  position(buildId: string): Promise<number | undefined>;
  job(buildId: string): Promise<Job<BuildJobData, BuildJobResult> | undefined>;
  /** BuildControl.cancel, with the reason the build's output gives. */
  cancel(app: string, reason?: string): Promise<boolean>;
  /** Follows a build's events (from any process) until the returned function is called. */
  follow(buildId: string, listener: BuildListener): Promise<() => void>;
  close(): Promise<void>;
}

/** A build refused before it was queued, as stored in Redis. */
interface RejectedBuild {
  readonly record: BuildRecord;
  readonly lines: readonly string[];
}

/** Creates the `builds` queue producer. */
export function createBuildQueue(options: BuildQueueOptions): BuildQueue {
  const name = options.name ?? "builds";
  const prefix = options.prefix ?? "qs";
  const keepBuilds = options.keepBuilds ?? 10;
  const maxOutputLines = options.maxOutputLines ?? 5_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  const base = { connection: options.connection, prefix };
  const logger = options.logger ?? silentLogger;
  const queue = new Queue<BuildJobData, BuildJobResult>(name, base);
  queue.on("error", redisErrorLogger(logger, "queue"));
  const producer = new QueueEventsProducer(name, base);
  producer.on("error", redisErrorLogger(logger, "events producer"));
  const listeners = new Map<string, Set<BuildListener>>();
  let events: Promise<QueueEvents> | undefined;

  /** One QueueEvents reader per process, dispatching by build id. */
  function queueEvents(): Promise<QueueEvents> {
    events ??= (async () => {
      const qe = new QueueEvents(name, { ...base, autorun: true });
      qe.on("error", redisErrorLogger(logger, "events"));
      const each = (id: string, f: (l: BuildListener) => void): void =>
        listeners.get(id)?.forEach(f);
      qe.on("progress", ({ jobId, data }) => {
        const lines = (data as BuildProgress | undefined)?.lines;
        if (Array.isArray(lines)) each(jobId, (l) => l.lines(lines));
      });
      for (const event of ["completed", "failed", "removed"] as const) {
        qe.on(event, ({ jobId }: { jobId: string }) => each(jobId, (l) => l.settled()));
      }
      await qe.waitUntilReady();
      return qe;
    })();
    return events;
  }

  async function appJobs(app: string, states: ("active" | "waiting" | "completed" | "failed")[]) {
    const jobs = await queue.getJobs(states, 0, -1);
    return jobs.filter(
      (j): j is Job<BuildJobData, BuildJobResult> => j !== undefined && j.data.app === app,
    );
  }

  async function record(job: Job<BuildJobData, BuildJobResult>): Promise<BuildRecord> {
    const state = await job.getState();
    const failure =
      job.failedReason === undefined || job.failedReason === ""
        ? undefined
        : decodeFailure(job.failedReason);
    const mapped: BuildState =
      state === "completed"
        ? "succeeded"
        : state === "failed"
          ? failure?.code === "CANCELLED"
            ? "cancelled"
            : "failed"
          : state === "active"
            ? "running"
            : "queued";
    return {
      id: job.data.buildId,
      app: job.data.app,
      gitSha: job.data.gitSha,
      state: mapped,
      createdAt: job.data.createdAt,
      ...(job.finishedOn === undefined
        ? {}
        : { finishedAt: new Date(job.finishedOn).toISOString() }),
      ...(mapped === "succeeded" && job.returnvalue !== undefined
        ? { image: job.returnvalue.image }
        : {}),
      ...(failure === undefined ? {} : { reason: failure.message }),
    };
  }

  function rejectedKey(app: string): string {
    return `${prefix}:${name}:rejected:${app}`;
  }

  async function rejectedOf(app: string): Promise<RejectedBuild[]> {
    const redis = await queue.getBackend().client;
    const stored = await redis.lrange(rejectedKey(app), 0, -1);
    return stored.map((json) => JSON.parse(json) as RejectedBuild);
  }

  function leaseKey(buildId: string): string {
    return `${prefix}:${name}:client:${buildId}`;
  }
  const clientLeaseMs = options.clientLeaseMs ?? 30_000;

  /** Runs `op` against the queue's Redis client unless Redis is not connected or too slow. */
  async function quickly<T>(
    timeoutMs: number,
    op: (redis: Awaited<ReturnType<typeof queue.getBackend>["client"]>) => Promise<T>,
  ): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)),
    );
    try {
      return await Promise.race([
        (async () => {
          const redis = await queue.getBackend().client;
          // A client that is not connected would hold the command until Redis is back
          // (BullMQ connections retry for ever): say "unknown" at once instead.
          if (redis.status !== "ready") return undefined;
          return op(redis);
        })().catch(() => undefined),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  let closing: Promise<void> | undefined;
  const buildQueue: BuildQueue = {
    name,
    prefix,
    connection: options.connection,
    keepBuilds,

    async reachable(timeoutMs) {
      return (
        (await quickly(timeoutMs, (redis) => redis.runCommand("ping", []) as Promise<unknown>)) ===
        "PONG"
      );
    },

    async holdClient(buildId) {
      const redis = await queue.getBackend().client;
      await redis.set(leaseKey(buildId), "1", { PX: clientLeaseMs });
    },

    async dropClient(buildId) {
      const redis = await queue.getBackend().client;
      await redis.del(leaseKey(buildId));
    },

    async hasClient(buildId, timeoutMs) {
      const n = await quickly(
        timeoutMs,
        (redis) => redis.runCommand("exists", [leaseKey(buildId)]) as Promise<number>,
      );
      return n === undefined ? undefined : n === 1;
    },

    async enqueue(data) {
      if (data.clientLease === true) await buildQueue.holdClient(data.buildId);
      await queue.add(data.app, data, {
        jobId: data.buildId,
        attempts: options.attempts ?? 3,
        backoff: { type: "exponential", delay: options.backoffMs ?? 5_000 },
        keepLogs: maxOutputLines,
        // Global caps; the worker trims each app to keepBuilds.
        removeOnComplete: { count: 1_000 },
        removeOnFail: { count: 1_000 },
      });
    },

    async recordRejected(rejected, lines) {
      const key = rejectedKey(rejected.app);
      const entry: RejectedBuild = { record: { ...rejected, state: "failed" }, lines: lines.slice(-maxOutputLines) };
      const redis = await queue.getBackend().client;
      const results = await redis
        .multi()
        .runCommand("lpush", [key, JSON.stringify(entry)])
        .runCommand("ltrim", [key, 0, keepBuilds - 1])
        .exec();
      const failed = results?.find(([err]) => err !== null)?.[0];
      if (failed) throw failed;
    },

    async position(buildId) {
      // Ordered by enqueue time, not list order, so it holds whichever end BullMQ reads.
      const waiting = (await queue.getWaiting(0, -1)).filter((j) => j !== undefined);
      const mine = waiting.find((j) => j.id === buildId);
      if (mine === undefined) return undefined;
      return waiting.filter((j) => j.timestamp < mine.timestamp).length + 1;
    },

    async job(buildId) {
      return (await queue.getJob(buildId)) ?? undefined;
    },

    async follow(buildId, listener) {
      await queueEvents();
      let set = listeners.get(buildId);
      if (set === undefined) listeners.set(buildId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(buildId);
      };
    },

    async cancel(app, reason = "cancelled with apps:builds-cancel") {
      let cancelled = false;
      for (const job of await appJobs(app, ["waiting", "active"])) {
        const state = await job.getState();
        if (state === "waiting" || state === "prioritized" || state === "delayed") {
          // A queued build never ran: it just leaves the queue.
          const removed = await job.remove().then(
            () => true,
            () => false,
          );
          if (removed) {
            cancelled = true;
            continue;
          }
        }
        // Running (or just started): ask whichever worker has it to stop.
        await producer.publishEvent({
          eventName: CANCEL_EVENT,
          jobId: job.id ?? "",
          reason,
        });
        cancelled = true;
      }
      return cancelled;
    },

    async list(app) {
      const jobs = await appJobs(app, ["waiting", "active", "completed", "failed"]);
      const records = [...(await Promise.all(jobs.map(record))), ...(await rejectedOf(app)).map((r) => r.record)];
      return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, keepBuilds);
    },

    async output(app, id) {
      const rejected = await rejectedOf(app);
      if (id !== undefined) {
        const found = rejected.find((r) => r.record.id === id);
        if (found !== undefined) return found;
      } else {
        // The newest of all: a rejected push is newer than every job only if it came last.
        const [newest] = await buildQueue.list(app);
        const found = rejected.find((r) => r.record.id === newest?.id);
        if (found !== undefined) return found;
      }
      const job = id === undefined ? undefined : await buildQueue.job(id);
      const chosen =
        job !== undefined && job.data.app === app
          ? job
          : id === undefined
            ? (await appJobs(app, ["waiting", "active", "completed", "failed"])).sort((a, b) =>
                b.data.createdAt.localeCompare(a.data.createdAt),
              )[0]
            : undefined;
      if (chosen === undefined) return undefined;
      const { logs } = await queue.getJobLogs(chosen.id ?? "", 0, -1, true);
      return { record: await record(chosen), lines: logs };
    },

    close() {
      closing ??= (async () => {
        const results = await Promise.allSettled([
          closeWithin(queue, closeTimeoutMs),
          closeWithin(producer, closeTimeoutMs),
          events === undefined ? Promise.resolve() : events.then((qe) => closeWithin(qe, closeTimeoutMs)),
        ]);
        const failed = results.find((r) => r.status === "rejected");
        if (failed !== undefined) throw failed.reason;
      })();
      return closing;
    },
  };
  return buildQueue;
}
