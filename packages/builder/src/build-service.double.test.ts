import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue, Worker } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BuildFailedError,
  CancelledError,
  silentLogger,
  type BuildRunner,
  type Push,
} from "@qs/core";
import { type KubeApis, createBuildRunner } from "@qs/kube";
import {
  type ContainerScript,
  type KubeDouble,
} from "../../../test/kube-double/src/index.ts";
import { freePort } from "../../../test/support/ports.ts";
import { createContextStore } from "./context/context-store.ts";
import { startContextServer } from "./context/context-server.ts";
import { buildKanikoJob } from "./jobs/kaniko-job.ts";
import { DEFAULT_BUILDER_IMAGES } from "./jobs/options.ts";
import { createBuildQueue } from "./queue/build-queue.ts";
import { createBuildWorker } from "./queue/build-worker.ts";
import { createRegistryClient } from "./registry/registry-client.ts";
import { pushTinyImage } from "./registry/tiny-image.ts";
import { createBuildService } from "./service.ts";
import { startBuildSystem } from "./system.ts";
import { createBuildsNamespace } from "../../../test/support/quickstack-cluster.ts";
import { startDoubleWithApis } from "../../../test/support/double-apis.ts";

// The whole build path on the Kubernetes API double: real Redis, real registry, real
// REST runner of @qs/kube; the double validates every manifest and plays the builder pod.
const REDIS = new URL(process.env.QS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const REGISTRY = process.env.QS_TEST_REGISTRY_URL ?? "";
const connection = { host: REDIS.hostname, port: Number(REDIS.port), maxRetriesPerRequest: null };
const SHA = "89abcdef0123456789abcdef0123456789abcdef";

let double: KubeDouble;
let apis: KubeApis;
let closeDouble: () => Promise<void>;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ double, apis, close: closeDouble } = await startDoubleWithApis());
  double.script(DEFAULT_BUILDER_IMAGES.fetch.replace(/:[^:/]+$/, ""), {
    logs: ["-----> Fetching the build context", "       context verified"],
    exitAfterMs: 20,
  });
});
afterAll(async () => {
  await closeDouble();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function namespace(): Promise<string> {
  return createBuildsNamespace(apis, `qs-builds-${randomUUID().slice(0, 8)}`);
}

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

/** A build stack on the double; `script` is what the kaniko container does. */
async function setup(
  script: (digest: string) => ContainerScript,
  options: { timeoutMs?: number; runner?: BuildRunner } = {},
) {
  const app = `app-${randomUUID().slice(0, 8)}`;
  const ns = await namespace();
  const kaniko = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
  const digest = await pushTinyImage(REGISTRY, app, SHA.slice(0, 12), new Date().toISOString());
  double.script(kaniko.replace(/:[^:/]+$/, ""), script(digest));
  const dir = await mkdtemp(join(tmpdir(), "qs-build-double-"));
  const port = await freePort();
  const contexts = createContextStore({ dir, baseUrl: `http://127.0.0.1:${port}` });
  const server = await startContextServer(contexts, { port });
  const queue = createBuildQueue({ connection, name: `test-${randomUUID()}`, backoffMs: 50 });
  const runner = options.runner ?? createBuildRunner(apis, { pollMs: 20 });
  const worker = await createBuildWorker({
    queue,
    runner,
    registry: createRegistryClient({ url: REGISTRY }),
    registryHost: "registry.test:5000",
    contextUrl: (id) => contexts.issue(id),
    logger: silentLogger,
    timeoutMs: options.timeoutMs ?? 60_000,
    jobs: { namespace: ns, images: { kaniko } },
    flushMs: 20,
  });
  const service = createBuildService({
    queue,
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
    () => worker.close(),
  );
  const jobs = () => double.list("batch/v1", "Job", ns);
  return { app, ns, digest, service, queue, worker, jobs };
}

const collect = () => {
  const lines: string[] = [];
  return { lines, line: (t: string) => void lines.push(t) };
};

describe("builds on the Kubernetes API double", () => {
  it("a push creates a schema-valid builder Job, its logs stream live, the digest is captured", async () => {
    const env = await setup((digest) => ({
      logs: [
        "INFO Step 1/2 : FROM scratch",
        // The pause leaves the push ample time to see line 1 while the builder still runs.
        { line: "INFO Step 2/2 : CMD x", afterMs: 1_500 },
        { line: "INFO Pushed", afterMs: 20 },
      ],
      exitAfterMs: 1_600,
      terminationMessage: digest,
    }));
    const runningWhenFirstLineArrived: boolean[] = [];
    const out = {
      lines: [] as string[],
      line(text: string) {
        this.lines.push(text);
        if (text.includes("Step 1/2")) {
          const pod = double.list("v1", "Pod", env.ns)[0] as
            { status?: { containerStatuses?: { state?: { running?: unknown } }[] } } | undefined;
          runningWhenFirstLineArrived.push(
            pod?.status?.containerStatuses?.[0]?.state?.running !== undefined,
          );
        }
      },
    };
    const built = await env.service.build(fakePush(env.app), out, new AbortController().signal);
    expect(built.digest).toBe(env.digest);
    expect(built.image).toBe(`registry.test:5000/${env.app}@${env.digest}`);
    expect(runningWhenFirstLineArrived).toEqual([true]);
    const detail = out.lines.filter((l) => l.startsWith("       "));
    expect(detail).toEqual([
      "       The web process must listen on $PORT (QuickStack sets PORT=5000 and sends its traffic there)",
      "       -----> Fetching the build context",
      "              context verified",
      "       INFO Step 1/2 : FROM scratch",
      "       INFO Step 2/2 : CMD x",
      "       INFO Pushed",
    ]);
    const [job] = env.jobs();
    expect(job?.metadata.labels?.["quickstack.dev/app"]).toBe(env.app);
    expect((await env.queue.output(env.app))?.lines).toContain("       INFO Pushed");
  });

  it("a failing builder rejects the push with a clear error and is not retried", async () => {
    const env = await setup(() => ({
      logs: ["error building image: exit status 2"],
      exitAfterMs: 30,
      exitCode: 1,
      terminationMessage: "error building image",
    }));
    const out = collect();
    const err = await env.service
      .build(fakePush(env.app), out, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildFailedError);
    expect((err as Error).message).toBe("the build failed: the builder exited with code 1 (Error)");
    expect(out.lines).toContain("       error building image: exit status 2");
    expect(env.jobs()).toHaveLength(1);
    expect((await env.queue.list(env.app))[0]?.state).toBe("failed");
  });

  it("a build past its timeout is stopped, its Job deleted and the push told why", async () => {
    const env = await setup(() => ({ logs: ["compiling"], exitAfterMs: 600_000 }), {
      timeoutMs: 2_000,
    });
    const err = await env.service
      .build(fakePush(env.app), collect(), new AbortController().signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildFailedError);
    expect((err as Error).message).toMatch(/took longer than/);
    await expect.poll(() => env.jobs().length, { timeout: 10_000 }).toBe(0);
  });

  it("apps:builds-cancel stops a running build and deletes its Job", async () => {
    const env = await setup(() => ({ logs: ["compiling"], exitAfterMs: 600_000 }));
    const out = collect();
    const result = env.service
      .build(fakePush(env.app), out, new AbortController().signal)
      .catch((e: unknown) => e);
    await expect.poll(() => out.lines.includes("       compiling"), { timeout: 10_000 }).toBe(true);
    expect(await env.queue.cancel(env.app)).toBe(true);
    expect(await result).toBeInstanceOf(CancelledError);
    await expect.poll(() => env.jobs().length, { timeout: 10_000 }).toBe(0);
    expect((await env.queue.list(env.app))[0]?.state).toBe("cancelled");
  });

  it("a control-plane restart mid-build fails the build clearly and removes its Job", async () => {
    const ns = await namespace();
    const app = `app-${randomUUID().slice(0, 8)}`;
    const name = `test-${randomUUID()}`;
    const buildId = `crash${randomUUID().slice(0, 6)}`;
    const kaniko = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    double.script(kaniko.replace(/:[^:/]+$/, ""), { logs: ["building"], exitAfterMs: 600_000 });
    // The previous process: it created the builder Job, then died without a goodbye.
    const old = new Queue(name, { connection, prefix: "qs" });
    await old.add(
      app,
      {
        buildId,
        app,
        gitSha: SHA,
        engine: "kaniko",
        dockerfile: { path: "Dockerfile" },
        createdAt: new Date().toISOString(),
        worker: "qs-gone",
      },
      { jobId: buildId },
    );
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const dead = new Worker(
      name,
      async () => {
        const req = buildKanikoJob(
          {
            app,
            buildId,
            gitSha: SHA,
            destination: "r/x:y",
            cacheRepo: "r/x/cache",
            context: { url: "http://x/contexts/y?token=z", sha256: "c".repeat(64) },
            dockerfile: { path: "Dockerfile" },
          },
          { namespace: ns, images: { kaniko } },
        );
        await apis.jobs.create(ns, req.manifest);
        started();
        return new Promise(() => undefined);
      },
      { connection, prefix: "qs", name: "qs-gone" },
    );
    await running;
    await dead.close(true);
    await old.close();
    expect(double.list("batch/v1", "Job", ns)).toHaveLength(1);

    const queue = createBuildQueue({ connection, name });
    const worker = await createBuildWorker({
      queue,
      runner: createBuildRunner(apis, { pollMs: 20 }),
      registry: createRegistryClient({ url: REGISTRY }),
      registryHost: "registry.test:5000",
      contextUrl: () => undefined,
      logger: silentLogger,
      jobs: { namespace: ns },
    });
    cleanups.push(
      () => queue.close(),
      () => worker.close(),
    );
    await expect.poll(() => double.list("batch/v1", "Job", ns).length, { timeout: 10_000 }).toBe(0);
    const stored = await queue.output(app, buildId);
    expect(stored?.record).toMatchObject({
      state: "failed",
      reason: "the control plane restarted during this build",
    });
  });

  it("startBuildSystem wires it all: a generated Dockerfile, a build, and the records", async () => {
    const ns = await namespace();
    const app = `app-${randomUUID().slice(0, 8)}`;
    const kaniko = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    const digest = await pushTinyImage(REGISTRY, app, SHA.slice(0, 12), new Date().toISOString());
    double.script(kaniko.replace(/:[^:/]+$/, ""), {
      logs: ["INFO Pushed"],
      exitAfterMs: 30,
      terminationMessage: digest,
    });
    const dataDir = await mkdtemp(join(tmpdir(), "qs-build-system-"));
    const port = await freePort();
    const system = await startBuildSystem({
      connection,
      runner: createBuildRunner(apis, { pollMs: 20 }),
      registry: { url: REGISTRY },
      registryHost: "registry.test:5000",
      dataDir,
      contextServer: { host: "127.0.0.1", port, publicUrl: `http://127.0.0.1:${port}` },
      logger: silentLogger,
      jobs: { namespace: ns, images: { kaniko } },
    });
    cleanups.push(
      () => rm(dataDir, { recursive: true, force: true }),
      () => system.close(),
    );
    const push: Push = {
      ...fakePush(app),
      readFile: (path) =>
        Promise.resolve(path === "index.html" ? Buffer.from("<h1>hi</h1>") : undefined),
      listFiles: () => Promise.resolve(["index.html"]),
    };
    const out = collect();
    const built = await system.builder.build(push, out, new AbortController().signal);
    expect(built.digest).toBe(digest);
    expect(out.lines).toContain("-----> No Dockerfile: detected a static app");
    const [job] = double.list("batch/v1", "Job", ns) as unknown as {
      spec: {
        template: { spec: { initContainers: { env: { name: string; value: string }[] }[] } };
      };
    }[];
    const generated = job?.spec.template.spec.initContainers[0]?.env.find(
      (e) => e.name === "QS_DOCKERFILE",
    )?.value;
    expect(generated).toContain("httpd -f -v -p");
    expect((await system.control.list(app)).map((r) => r.state)).toEqual(["succeeded"]);
  });
});
