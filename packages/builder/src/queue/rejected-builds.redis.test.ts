import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { BuildFailedError, silentLogger, type Push } from "@qs/core";
import { createContextStore } from "../context/context-store.ts";
import { createBuildService } from "../service.ts";
import { createBuildQueue } from "./build-queue.ts";

// A push refused before its build is queued (nothing to detect, an invalid package.json)
// still leaves a failed build with its output, on the real Redis.
const REDIS = new URL(process.env.QS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const connection = { host: REDIS.hostname, port: Number(REDIS.port), maxRetriesPerRequest: null };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function pushOf(app: string, files: Record<string, string>, sha = "f".repeat(40)): Push {
  return {
    id: randomUUID(),
    app,
    principal: { user: "alice", role: "admin" },
    update: { oldSha: "0".repeat(40), newSha: sha, ref: "refs/heads/main" },
    archive: () => Promise.resolve(Readable.from([Buffer.from("tar")])),
    readFile: (path) => Promise.resolve(files[path] === undefined ? undefined : Buffer.from(files[path] ?? "")),
    listFiles: () => Promise.resolve(Object.keys(files)),
  };
}

async function setup() {
  const queue = createBuildQueue({ connection, name: `builds-test-${randomUUID()}`, keepBuilds: 3 });
  cleanups.push(() => queue.close());
  const dir = await mkdtemp(join(tmpdir(), "qs-rejected-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const contexts = createContextStore({ dir, baseUrl: "http://127.0.0.1:1" });
  const service = createBuildService({ queue, contexts, logger: silentLogger, registryHost: "127.0.0.1:5000" });
  return { queue, service };
}

describe("refused pushes", () => {
  it("are recorded as failed builds with their output", async () => {
    const { queue, service } = await setup();
    const app = `rej-${randomUUID().slice(0, 8)}`;
    const lines: string[] = [];
    const out = { line: (l: string) => void lines.push(l) };
    await expect(service.build(pushOf(app, { "README.md": "hi" }), out, new AbortController().signal)).rejects.toThrow(
      BuildFailedError,
    );
    await expect(
      service.build(pushOf(app, { "package.json": "{ not json" }, "e".repeat(40)), out, new AbortController().signal),
    ).rejects.toThrow(/package.json is not valid JSON/);

    const builds = await queue.list(app);
    expect(builds.map((b) => [b.gitSha, b.state])).toEqual([
      ["e".repeat(40), "failed"],
      ["f".repeat(40), "failed"],
    ]);
    expect(builds[1]?.reason).toContain("could not be detected");
    const newest = await queue.output(app);
    expect(newest?.record.id).toBe(builds[0]?.id);
    expect(newest?.lines.at(-2)).toMatch(/^!\s+package.json is not valid JSON/);
    const first = await queue.output(app, builds[1]?.id);
    expect(first?.lines.join("\n")).toContain("the app's stack could not be detected");
  });

  it("are kept like builds: the newest keepBuilds per app", async () => {
    const { queue, service } = await setup();
    const app = `rej-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) {
      await service.build(pushOf(app, {}, String(i).repeat(40)), { line: () => undefined }, new AbortController().signal).catch(() => undefined);
    }
    expect((await queue.list(app)).map((b) => b.gitSha[0])).toEqual(["4", "3", "2"]);
  });
});
