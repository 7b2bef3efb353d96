import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  BuildFailedError,
  silentLogger,
  type BuiltImage,
  type ImageBuilder,
  type OutputSink,
  type Push,
} from "@qs/core";
import { FakeAppStore, FakeConfigStore, FakeReleaseManager } from "../../../../test/support/fakes/apps.ts";
import { createPushPipeline } from "./pipeline.ts";

const sha = "0123456789abcdef0123456789abcdef01234567";

function push(app: string): Push {
  return {
    id: "p1",
    app,
    principal: { user: "ann", role: "developer" },
    update: { oldSha: "0".repeat(40), newSha: sha, ref: "refs/heads/main" },
    archive: () => Promise.resolve(Readable.from([])),
    readFile: () => Promise.resolve(undefined),
    listFiles: () => Promise.resolve([]),
  };
}

function sink(): OutputSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, line: (t) => lines.push(t) };
}

async function setup(builder: ImageBuilder) {
  const apps = new FakeAppStore();
  const config = new FakeConfigStore(apps);
  const releases = new FakeReleaseManager(apps, config);
  await apps.create("shop", "ann", { domains: ["shop.example.com"] });
  const pipeline = createPushPipeline({
    builder, releases, apps, logger: silentLogger, baseDomain: "apps.test", now: () => 0,
  });
  return { apps, releases, pipeline };
}

const image: BuiltImage = {
  image: "registry.test/shop@sha256:" + "a".repeat(64),
  tag: `registry.test/shop:${sha}`,
  digest: "sha256:" + "a".repeat(64),
  processes: { web: "node server.js", worker: "node worker.js" },
  releaseCommand: "node migrate.js",
};

/** Prints what the real build worker prints last: the image pinned by digest. */
const printingBuilder: ImageBuilder = {
  build(_push, out) {
    out.line(`-----> Image ${image.image}`);
    return Promise.resolve(image);
  },
};

describe("push pipeline", () => {
  it("says the image digest once (the builder's Image line), then how long the build took", async () => {
    const { pipeline } = await setup(printingBuilder);
    const out = sink();
    expect(await pipeline.run(push("shop"), out, new AbortController().signal)).toEqual({ ok: true });
    expect(out.lines.filter((l) => l.includes(image.digest))).toEqual([`-----> Image ${image.image}`]);
    expect(out.lines).toContain("-----> Built in 0 s");
  });

  it("builds, releases with the Procfile and prints the release and URLs", async () => {
    const { pipeline, releases } = await setup({ build: () => Promise.resolve(image) });
    const out = sink();
    const verdict = await pipeline.run(push("shop"), out, new AbortController().signal);
    expect(verdict).toEqual({ ok: true });
    const [release] = await releases.list("shop");
    expect(release).toMatchObject({
      number: 1, image: image.image, gitSha: sha, author: "ann", description: "Deploy 0123456",
      processes: image.processes,
    });
    expect(out.lines[0]).toBe("-----> Building shop (0123456)");
    expect(out.lines).toContain("       v1 deployed in 0 s");
    expect(out.lines.slice(-2)).toEqual(["       https://shop.apps.test/", "       https://shop.example.com/"]);
  });

  it("rejects with the reason and hint, and makes no release, when the build fails", async () => {
    const { pipeline, releases } = await setup({
      build: () => Promise.reject(new BuildFailedError("step 3/7 RUN npm ci exited 1", { hint: "fix package-lock.json and push again" })),
    });
    const out = sink();
    const verdict = await pipeline.run(push("shop"), out, new AbortController().signal);
    expect(verdict).toEqual({
      ok: false,
      reason: "step 3/7 RUN npm ci exited 1\nfix package-lock.json and push again\nthe running release was not changed",
    });
    expect(await releases.list("shop")).toEqual([]);
  });

  it("does not release when the client went away during the build", async () => {
    const controller = new AbortController();
    const { pipeline, releases } = await setup({
      build: () => {
        controller.abort();
        return Promise.resolve(image);
      },
    });
    const verdict = await pipeline.run(push("shop"), sink(), controller.signal);
    expect(verdict.ok).toBe(false);
    expect(await releases.list("shop")).toEqual([]);
  });
});
