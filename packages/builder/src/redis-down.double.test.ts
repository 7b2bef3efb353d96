import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UnavailableError, silentLogger, type Push } from "@qs/core";
import { type KubeApis, createBuildRunner } from "@qs/kube";
import type { KubeDouble } from "../../../test/kube-double/src/index.ts";
import { startDoubleWithApis } from "../../../test/support/double-apis.ts";
import { freePort } from "../../../test/support/ports.ts";
import { createBuildsNamespace } from "../../../test/support/quickstack-cluster.ts";
import { startRedis, type RunningRedis } from "../../../test/support/services.ts";
import { createContextStore } from "./context/context-store.ts";
import { startContextServer } from "./context/context-server.ts";
import { createBuildQueue } from "./queue/build-queue.ts";
import { createBuildWorker } from "./queue/build-worker.ts";
import { createRegistryClient } from "./registry/registry-client.ts";
import { createBuildService } from "./service.ts";

// Builds while Redis goes away: each test has its own redis-server, which it stops.
const REGISTRY = process.env.QS_TEST_REGISTRY_URL ?? "";
const SHA = "0123456789abcdef0123456789abcdef01234567";

let double: KubeDouble;
let apis: KubeApis;
let closeDouble: () => Promise<void>;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  ({ double, apis, close: closeDouble } = await startDoubleWithApis());
});
afterAll(async () => {
  await closeDouble();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function fakePush(app: string): Push {
  return {
    id: randomUUID(),
    app,
    principal: { user: "alice", role: "admin" },
    update: { oldSha: "0".repeat(40), newSha: SHA, ref: "refs/heads/main" },
    archive: () => Promise.resolve(Readable.from([Buffer.from(`tar of ${app}`)])),
    readFile: () => Promise.resolve(undefined),
    listFiles: () => Promise.resolve(["Dockerfile"]),
  };
}

async function setup(redisDir: string, options: { worker?: boolean } = {}) {
  const redis: RunningRedis = await startRedis(join(redisDir, "redis"), { appendOnly: true });
  cleanups.push(() => redis.stop());
  const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
  const app = `app-${randomUUID().slice(0, 8)}`;
  const dir = await mkdtemp(join(tmpdir(), "qs-redis-down-"));
  const port = await freePort();
  const contexts = createContextStore({ dir, baseUrl: `http://127.0.0.1:${port}` });
  const server = await startContextServer(contexts, { port });
  const queue = createBuildQueue({
    connection,
    name: `test-${randomUUID()}`,
    clientLeaseMs: 1_500,
    closeTimeoutMs: 500,
  });
  const ns = await createBuildsNamespace(apis, `qs-builds-${randomUUID().slice(0, 8)}`);
  const kaniko = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
  double.script(kaniko.replace(/:[^:/]+$/, ""), { logs: ["compiling"], exitAfterMs: 600_000 });
  const worker =
    options.worker === false
      ? undefined
      : await createBuildWorker({
          queue,
          runner: createBuildRunner(apis, { pollMs: 20 }),
          registry: createRegistryClient({ url: REGISTRY }),
          registryHost: "registry.test:5000",
          contextUrl: (id) => contexts.issue(id),
          logger: silentLogger,
          jobs: { namespace: ns, images: { kaniko } },
          flushMs: 20,
          clientCheckMs: 200,
          closeTimeoutMs: 500,
        });
  // The push side has its own connection, as another process would: the test can drop it.
  const producer = createBuildQueue({
    connection,
    name: queue.name,
    clientLeaseMs: 1_500,
    closeTimeoutMs: 500,
  });
  const service = createBuildService({
    queue: producer,
    contexts,
    logger: silentLogger,
    registryHost: "registry.test:5000",
    pollMs: 100,
  });
  cleanups.push(
    () => rm(dir, { recursive: true, force: true }),
    () => contexts.close(),
    () => server.close(),
    () => queue.close(),
    () => producer.close(),
    () => worker?.close() ?? Promise.resolve(),
  );
  return {
    redis,
    app,
    ns,
    service,
    queue,
    producer,
    jobs: () => double.list("batch/v1", "Job", ns),
  };
}

describe("a push while Redis is down", () => {
  it("fails within seconds saying the build service is unavailable", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "qs-redis-"));
    cleanups.push(() => rm(tmp, { recursive: true, force: true }));
    const env = await setup(tmp, { worker: false });
    await env.redis.stop();
    const started = Date.now();
    const err = await env.service
      .build(fakePush(env.app), { line: () => undefined }, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe(
      "build service unavailable, the running release was not changed, push again",
    );
  });

  it("a build whose push went away while Redis was down is cancelled when Redis is back", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "qs-redis-"));
    cleanups.push(() => rm(tmp, { recursive: true, force: true }));
    const env = await setup(tmp);
    const lines: string[] = [];
    const client = new AbortController();
    const result = env.service
      .build(fakePush(env.app), { line: (l) => void lines.push(l) }, client.signal)
      .catch((e: unknown) => e);
    await expect.poll(() => lines.includes("       compiling"), { timeout: 15_000 }).toBe(true);
    const [build] = await env.queue.list(env.app);
    // Redis goes away; the push's client gives up meanwhile (nobody can tell the worker).
    await env.redis.stop();
    client.abort();
    await result;
    // The push's process loses its connection too: no cancel it queued will ever arrive,
    // only the lapsed client lease can tell the worker.
    await env.producer.close();
    await new Promise((r) => setTimeout(r, 2_000)); // longer than the client lease
    const again = await startRedis(join(tmp, "redis"), { appendOnly: true, port: env.redis.port });
    cleanups.push(() => again.stop());
    await expect
      .poll(async () => (await env.queue.list(env.app).catch(() => []))[0]?.state, {
        timeout: 20_000,
      })
      .toBe("cancelled");
    const [after] = await env.queue.list(env.app);
    expect(after?.id).toBe(build?.id);
    expect(after?.reason).toMatch(/the push that started this build has gone/);
    await expect.poll(() => env.jobs().length, { timeout: 10_000 }).toBe(0);
  });
});
