import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue, Worker } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../../test/support/ports.ts";
import {
  BuildFailedError,
  CancelledError,
  silentLogger,
  UnavailableError,
  type BuilderJobRequest,
  type BuilderOutcome,
  type BuildLogLine,
  type BuildRunner,
  type Push,
} from "@qs/core";
import { createContextStore, type ContextStore } from "../context/context-store.ts";
import { startContextServer, type ContextServer } from "../context/context-server.ts";
import { createRegistryClient } from "../registry/registry-client.ts";
import { pushTinyImage } from "../registry/tiny-image.ts";
import { createBuildService } from "../service.ts";
import { createBuildQueue, type BuildQueue } from "./build-queue.ts";
import { createBuildWorker, type BuildWorker } from "./build-worker.ts";

const REDIS = new URL(process.env.QS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const REGISTRY = process.env.QS_TEST_REGISTRY_URL ?? "";
const connection = { host: REDIS.hostname, port: Number(REDIS.port), maxRetriesPerRequest: null };
const SHA = "0123456789abcdef0123456789abcdef01234567";

/** What the scripted builder pod does for one app. */
interface Script {
  lines?: string[];
  exitCode?: number;
  /** Run until aborted (a build that never ends). */
  hang?: boolean;
  /** Throw UnavailableError on the first N runs (API trouble). */
  unavailable?: number;
  /** Go on at the push, as the runner does once the registry confirms it (no exit yet). */
  early?: boolean;
}

/**
 * A scripted BuildRunner (our own port, standing in for the cluster side, which is tested
 * against the Kubernetes API double in packages/kube): it downloads the context like the
 * init container, "pushes" a tiny image to the real registry and reports its digest.
 */
function scriptedRunner(scripts: Record<string, Script>) {
  const calls: BuilderJobRequest[] = [];
  const deleted: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const fetched: { status: number; sha256: string }[] = [];
  const runner: BuildRunner = {
    async run(request, onLine: (line: BuildLogLine) => void, signal): Promise<BuilderOutcome> {
      calls.push(request);
      const job = request.manifest as {
        metadata: { labels: Record<string, string> };
        spec: {
          template: { spec: { initContainers: { env: { name: string; value: string }[] }[] } };
        };
      };
      const app = job.metadata.labels["quickstack.dev/app"] ?? "";
      const script = scripts[app] ?? {};
      if ((script.unavailable ?? 0) > 0) {
        script.unavailable = (script.unavailable ?? 0) - 1;
        throw new UnavailableError("KUBERNETES_UNAVAILABLE", "the API server went away");
      }
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        const env = Object.fromEntries(
          job.spec.template.spec.initContainers[0]!.env.map((e) => [e.name, e.value]),
        );
        const res = await fetch(env.QS_CONTEXT_URL!);
        const body = Buffer.from(await res.arrayBuffer());
        fetched.push({
          status: res.status,
          sha256: createHash("sha256").update(body).digest("hex"),
        });
        onLine({ container: "fetch-context", text: "context verified" });
        for (const text of script.lines ?? []) onLine({ container: "build", text });
        if (script.hang === true) {
          await new Promise((_, reject) => {
            signal.addEventListener("abort", () => {
              deleted.push(request.name);
              reject(new CancelledError(String(signal.reason)));
            });
          });
        }
        if ((script.exitCode ?? 0) !== 0) {
          return {
            succeeded: false,
            container: "build",
            exitCode: script.exitCode ?? 1,
            reason: "Error",
            message: "error building image",
          };
        }
        const digest = await pushTinyImage(
          REGISTRY,
          app,
          SHA.slice(0, 12),
          new Date().toISOString(),
        );
        if (script.early === true) {
          const other = `sha256:${"e".repeat(64)}`;
          const confirmed = [
            await request.confirmPushed?.(other),
            await request.confirmPushed?.(digest),
          ];
          if (confirmed.join() !== "false,true") throw new Error(`confirmed ${confirmed.join()}`);
          return { succeeded: true, container: "build", exitCode: 0, reason: "Pushed", digest };
        }
        return {
          succeeded: true,
          container: "build",
          exitCode: 0,
          reason: "Completed",
          message: digest,
        };
      } finally {
        running--;
      }
    },
    deleteJobs(_ns, selector) {
      deleted.push(selector);
      return Promise.resolve(1);
    },
  };
  return { runner, calls, deleted, fetched, maxRunning: () => maxRunning };
}

function fakePush(
  app: string,
  files: Record<string, string> = { Dockerfile: "FROM scratch\n" },
): Push {
  return {
    id: randomUUID(),
    app,
    principal: { user: "alice", role: "admin" },
    update: { oldSha: "0".repeat(40), newSha: SHA, ref: "refs/heads/main" },
    archive: () => Promise.resolve(Readable.from([Buffer.from(`tar of ${app}`)])),
    readFile: (path) => Promise.resolve(path in files ? Buffer.from(files[path]!) : undefined),
    listFiles: () => Promise.resolve(Object.keys(files)),
  };
}

function collect() {
  const lines: string[] = [];
  return { lines, line: (text: string) => void lines.push(text) };
}

interface Env {
  queue: BuildQueue;
  worker: BuildWorker;
  contexts: ContextStore;
  server: ContextServer;
  dir: string;
  service: ReturnType<typeof createBuildService>;
}
const envs: Env[] = [];

async function setup(
  runner: BuildRunner,
  opts: {
    concurrency?: number;
    timeoutMs?: number;
    keepBuilds?: number;
    maxOutputLines?: number;
  } = {},
): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), "qs-builds-"));
  const port = await freePort();
  const store = createContextStore({ dir, baseUrl: `http://127.0.0.1:${port}` });
  const final = await startContextServer(store, { port });
  const queue = createBuildQueue({
    connection,
    name: `test-${randomUUID()}`,
    backoffMs: 50,
    ...(opts.keepBuilds === undefined ? {} : { keepBuilds: opts.keepBuilds }),
    ...(opts.maxOutputLines === undefined ? {} : { maxOutputLines: opts.maxOutputLines }),
  });
  const worker = await createBuildWorker({
    queue,
    runner,
    registry: createRegistryClient({ url: REGISTRY }),
    registryHost: "registry.test:5000",
    contextUrl: (id) => store.issue(id),
    logger: silentLogger,
    concurrency: opts.concurrency ?? 2,
    timeoutMs: opts.timeoutMs ?? 60_000,
    flushMs: 20,
  });
  const service = createBuildService({
    queue,
    contexts: store,
    logger: silentLogger,
    registryHost: "registry.test:5000",
    pollMs: 100,
  });
  const env = { queue, worker, contexts: store, server: final, dir, service };
  envs.push(env);
  return env;
}

afterEach(async () => {
  for (const env of envs.splice(0)) {
    await env.worker.close();
    await env.queue.close();
    await env.server.close();
    await env.contexts.close();
    await rm(env.dir, { recursive: true, force: true });
  }
});

const appName = (): string => `app-${randomUUID().slice(0, 8)}`;

describe("builds queue on a real Redis", () => {
  it("builds: context fetched once, output forwarded and stored, image pinned by digest", async () => {
    const app = appName();
    const s = scriptedRunner({
      [app]: { lines: ["Step 1/2 : FROM scratch", "Step 2/2 : CMD x", "Pushed"] },
    });
    const env = await setup(s.runner);
    const out = collect();
    const built = await env.service.build(
      fakePush(app, { Dockerfile: "FROM scratch\n", Procfile: "web: ./x\nrelease: ./migrate\n" }),
      out,
      new AbortController().signal,
    );
    expect(built.image).toMatch(new RegExp(`^registry\\.test:5000/${app}@sha256:[a-f0-9]{64}$`));
    expect(built.tag).toBe(`registry.test:5000/${app}:${SHA.slice(0, 12)}`);
    expect(built.processes).toEqual({ web: "./x" });
    expect(built.releaseCommand).toBe("./migrate");
    expect(s.fetched).toEqual([
      { status: 200, sha256: createHash("sha256").update(`tar of ${app}`).digest("hex") },
    ]);
    const steps = out.lines.filter((l) => l.includes("Step") || l.includes("Pushed"));
    expect(steps).toEqual([
      "       Step 1/2 : FROM scratch",
      "       Step 2/2 : CMD x",
      "       Pushed",
    ]);
    expect(out.lines[0]).toBe("-----> Using Dockerfile");
    expect(out.lines[1]).toMatch(/^ {7}The web process must listen on \$PORT \(QuickStack sets PORT=5000/);
    expect(out.lines.join("\n")).not.toContain("Warning");
    expect(out.lines.at(-1)).toBe(`-----> Image ${built.image}`);
    const job = s.calls[0]!.manifest as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    expect(job.spec.template.spec.containers[0]!.args).toContain(`--destination=${built.tag}`);

    const stored = await env.queue.output(app);
    expect(stored?.record.state).toBe("succeeded");
    expect(stored?.record.image).toBe(built.image);
    expect(stored?.lines).toContain("       Step 2/2 : CMD x");
    expect((await env.queue.list(app)).map((r) => r.state)).toEqual(["succeeded"]);
  });

  it("a push the registry confirmed before the builder's exit: its digest, by the destination's tag", async () => {
    const app = appName();
    const s = scriptedRunner({ [app]: { early: true } });
    const env = await setup(s.runner);
    const built = await env.service.build(fakePush(app), collect(), new AbortController().signal);
    expect(built.image).toMatch(new RegExp(`^registry\\.test:5000/${app}@sha256:[a-f0-9]{64}$`));
    expect((await env.queue.output(app))?.record.state).toBe("succeeded");
  });

  it("warns when the app's own Dockerfile EXPOSEs another port than $PORT", async () => {
    const app = appName();
    const env = await setup(scriptedRunner({}).runner);
    const out = collect();
    await env.service.build(
      fakePush(app, { Dockerfile: "FROM node:24\nEXPOSE 3000\nCMD node server.js\n" }),
      out,
      new AbortController().signal,
    );
    expect(out.lines.slice(0, 3)).toEqual([
      "-----> Using Dockerfile",
      "       The web process must listen on $PORT (QuickStack sets PORT=5000 and sends its traffic there)",
      "!     Warning: the Dockerfile EXPOSEs 3000, but traffic goes to $PORT (5000); EXPOSE does not change that.",
    ]);
  });

  it("a user-caused failure (non-zero exit) is reported and not retried", async () => {
    const app = appName();
    const s = scriptedRunner({
      [app]: { lines: ["RUN make", "make: *** [all] Error 2"], exitCode: 2 },
    });
    const env = await setup(s.runner);
    const out = collect();
    const err = await env.service
      .build(fakePush(app), out, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildFailedError);
    expect((err as Error).message).toBe("the build failed: the builder exited with code 2 (Error)");
    expect(s.calls).toHaveLength(1);
    expect(out.lines).toContain("       make: *** [all] Error 2");
    expect((await env.queue.list(app))[0]?.state).toBe("failed");
  });

  it("a network failure is retried with backoff and then succeeds", async () => {
    const app = appName();
    const s = scriptedRunner({ [app]: { unavailable: 1, lines: ["ok"] } });
    const env = await setup(s.runner);
    const out = collect();
    const built = await env.service.build(fakePush(app), out, new AbortController().signal);
    expect(built.digest).toMatch(/^sha256:/);
    expect(s.calls).toHaveLength(2);
    expect(s.deleted).toContain(
      `quickstack.dev/build=${s.calls[0]!.name.replace(`${app}-build-`, "")}`,
    );
    expect(out.lines).toContain("-----> Retrying the build (attempt 2)");
    // The retry got a fresh one-time URL and could download the context again.
    expect(s.fetched.map((f) => f.status)).toEqual([200]);
  });

  it("times out: the builder is stopped and the push told why", async () => {
    const app = appName();
    const s = scriptedRunner({ [app]: { hang: true, lines: ["compiling forever"] } });
    const env = await setup(s.runner, { timeoutMs: 1_500 });
    const err = await env.service
      .build(fakePush(app), collect(), new AbortController().signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildFailedError);
    expect((err as Error).message).toMatch(/took longer than .* and was stopped/);
    expect(s.deleted).toEqual([s.calls[0]!.name]);
    expect(s.calls).toHaveLength(1);
  });

  it("cancels a running build", async () => {
    const app = appName();
    const s = scriptedRunner({ [app]: { hang: true, lines: ["working"] } });
    const env = await setup(s.runner);
    const out = collect();
    const result = env.service
      .build(fakePush(app), out, new AbortController().signal)
      .catch((e: unknown) => e);
    await expect.poll(() => out.lines.includes("       working"), { timeout: 10_000 }).toBe(true);
    expect(await env.queue.cancel(app)).toBe(true);
    const err = await result;
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toMatch(/cancelled with apps:builds-cancel/);
    expect(s.deleted).toEqual([s.calls[0]!.name]);
    expect((await env.queue.list(app))[0]?.state).toBe("cancelled");
    expect(await env.queue.cancel(app)).toBe(false);
  });

  it("runs two builds at once; a third waits, says so, and can be cancelled while queued", async () => {
    const [a, b, c] = [appName(), appName(), appName()];
    const s = scriptedRunner({
      [a]: { hang: true, lines: ["a"] },
      [b]: { hang: true, lines: ["b"] },
      [c]: { lines: ["c"] },
    });
    const env = await setup(s.runner, { concurrency: 2 });
    const outs = [collect(), collect(), collect()];
    const start = (app: string, i: number) =>
      env.service
        .build(fakePush(app), outs[i]!, new AbortController().signal)
        .catch((e: unknown) => e);
    const results = [start(a, 0), start(b, 1)];
    await expect.poll(() => s.calls.length, { timeout: 10_000 }).toBe(2);
    results.push(start(c, 2));
    await expect
      .poll(() => outs[2]!.lines.some((l) => l.startsWith("-----> Queued: next in line")), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(s.maxRunning()).toBe(2);
    expect(await env.queue.cancel(c)).toBe(true);
    expect(await results[2]).toBeInstanceOf(CancelledError);
    expect(((await results[2]) as Error).message).toBe("the build was cancelled before it started");
    await env.queue.cancel(a);
    await env.queue.cancel(b);
    expect(await results[0]).toBeInstanceOf(CancelledError);
    expect(await results[1]).toBeInstanceOf(CancelledError);
    expect(
      s.calls.map(
        (r) =>
          (r.manifest as { metadata: { labels: Record<string, string> } }).metadata.labels[
            "quickstack.dev/app"
          ],
      ),
    ).toEqual(expect.arrayContaining([a, b]));
    expect(s.calls).toHaveLength(2);
  });

  it("a build the client gave up on is cancelled", async () => {
    const app = appName();
    const s = scriptedRunner({ [app]: { hang: true, lines: ["slow"] } });
    const env = await setup(s.runner);
    const out = collect();
    const abort = new AbortController();
    const result = env.service.build(fakePush(app), out, abort.signal).catch((e: unknown) => e);
    await expect.poll(() => out.lines.includes("       slow"), { timeout: 10_000 }).toBe(true);
    abort.abort(new Error("client went away"));
    expect(await result).toBeInstanceOf(CancelledError);
    expect(s.deleted).toEqual([s.calls[0]!.name]);
  });

  it("recovers from a crash: a build left running by a dead process is failed and its pod deleted", async () => {
    const app = appName();
    const name = `test-${randomUUID()}`;
    const buildId = `crash${randomUUID().slice(0, 6)}`;
    // A "previous process": its worker takes the job, then dies without finishing it.
    const queue = new Queue(name, { connection, prefix: "qs" });
    await queue.add(
      app,
      {
        buildId,
        app,
        gitSha: SHA,
        engine: "kaniko",
        dockerfile: { path: "Dockerfile" },
        createdAt: new Date().toISOString(),
        worker: "qs-dead",
      },
      { jobId: buildId },
    );
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const dead = new Worker(
      name,
      () => {
        started();
        return new Promise(() => undefined);
      },
      { connection, prefix: "qs", name: "qs-dead" },
    );
    await running;
    await dead.close(true);
    await queue.close();

    const s = scriptedRunner({});
    const bq = createBuildQueue({ connection, name });
    const worker = await createBuildWorker({
      queue: bq,
      runner: s.runner,
      registry: createRegistryClient({ url: REGISTRY }),
      registryHost: "registry.test:5000",
      contextUrl: () => undefined,
      logger: silentLogger,
    });
    try {
      expect(s.deleted).toEqual([`quickstack.dev/build=${buildId}`]);
      const stored = await bq.output(app, buildId);
      expect(stored?.record.state).toBe("failed");
      expect(stored?.record.reason).toBe("the control plane restarted during this build");
      expect(stored?.lines.at(-1)).toMatch(/control plane restarted/);
      expect(await worker.recover()).toEqual([]);
    } finally {
      await worker.close();
      await bq.close();
    }
  });

  it("keeps the last N builds per app and the last lines of each", async () => {
    const app = appName();
    const s = scriptedRunner({ [app]: { lines: ["one", "two", "three", "four"] } });
    const env = await setup(s.runner, { keepBuilds: 2, maxOutputLines: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await env.service.build(fakePush(app), collect(), new AbortController().signal);
      ids.push((await env.queue.list(app))[0]!.id);
    }
    const builds = await env.queue.list(app);
    expect(builds.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    // The oldest is gone from Redis, not just hidden.
    await expect.poll(() => env.queue.job(ids[0]!), { timeout: 5_000 }).toBeUndefined();
    const stored = await env.queue.output(app);
    expect(stored?.record.id).toBe(builds[0]?.id);
    expect(stored?.lines).toHaveLength(3);
    expect(stored?.lines.at(-1)).toMatch(/^-----> Image /);
    expect(await env.queue.output(app, "nope")).toBeUndefined();
  });
});
