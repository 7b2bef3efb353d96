import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LimitExceededError } from "@qs/core";
import { createContextStore, type ContextStore } from "./context-store.ts";
import { startContextServer, type ContextServer } from "./context-server.ts";

describe("build context store over real HTTP", () => {
  let dir: string;
  let store: ContextStore;
  let server: ContextServer;
  let base: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "qs-context-"));
    server = await startContextServer(
      (store = createContextStore({
        dir: join(dir, "contexts"),
        baseUrl: "http://placeholder",
        maxBytes: 1024 * 1024,
      })),
    );
    base = `http://127.0.0.1:${server.port}`;
  });

  afterEach(async () => {
    await server.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const local = (url: string): string => url.replace("http://placeholder", base);

  it("serves a context once with its sha256, then 410; release deletes it", async () => {
    const body = Buffer.from("pretend this is a tar ".repeat(1000));
    const ctx = await store.prepare(
      "b-1",
      Readable.from([body.subarray(0, 100), body.subarray(100)]),
    );
    expect(ctx.sha256).toBe(createHash("sha256").update(body).digest("hex"));
    expect(ctx.size).toBe(body.length);
    const issued = store.issue("b-1")!;
    expect(issued.sha256).toBe(ctx.sha256);
    expect(issued.url).toMatch(/^http:\/\/placeholder\/contexts\/b-1\?token=[\w-]{43}$/);

    const first = await fetch(local(issued.url));
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).equals(body)).toBe(true);

    const second = await fetch(local(issued.url));
    expect(second.status).toBe(410);

    // A retry gets a new token; the spent one stays refused.
    const again = store.issue("b-1")!;
    expect(again.url).not.toBe(issued.url);
    expect((await fetch(local(issued.url))).status).toBe(404);
    expect((await fetch(local(again.url))).status).toBe(200);

    expect(await readdir(join(dir, "contexts"))).toEqual(["b-1.tar"]);
    await ctx.release();
    expect(existsSync(join(dir, "contexts", "b-1.tar"))).toBe(false);
    expect((await fetch(local(again.url))).status).toBe(404);
    expect(store.issue("b-1")).toBeUndefined();
  });

  it("refuses a wrong or missing token without spending the context", async () => {
    await store.prepare("b-2", Readable.from([Buffer.from("x")]));
    expect((await fetch(`${base}/contexts/b-2?token=${"A".repeat(43)}`)).status).toBe(404);
    const ctx = store.issue("b-2")!;
    expect((await fetch(`${base}/contexts/b-2?token=${"A".repeat(43)}`)).status).toBe(404);
    expect((await fetch(`${base}/contexts/b-2`)).status).toBe(404);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    expect((await fetch(local(ctx.url), { method: "POST" })).status).toBe(405);
    expect((await fetch(local(ctx.url))).status).toBe(200);
  });

  it("refuses a context over the size limit and leaves no file", async () => {
    const big = Readable.from([Buffer.alloc(600 * 1024), Buffer.alloc(600 * 1024)]);
    await expect(store.prepare("b-3", big)).rejects.toBeInstanceOf(LimitExceededError);
    expect(await readdir(join(dir, "contexts"))).toEqual([]);
  });
});
