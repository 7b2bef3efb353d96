import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/layout.ts";
import { logBuildTimes, useBuildCluster } from "./harness.ts";
import { HUSKY, npmTarballs, startDependencyServer, type DependencyServer } from "./served-dependencies.ts";

// The stack variants of test/fixtures/stacks, each built from its generated Dockerfile by a
// real Kaniko pod on the real cluster (see harness.ts) and run as a pod that must answer
// HTTP: a single-page app, a Procfile, npm workspaces and a `prepare` script. The Go 1.25
// module, requirements.txt (Flask under gunicorn) and the static site with a dotfile are
// built by `git push` through the whole control plane (test/cluster/push-stacks.cluster.test.ts).
//
// The builds run side by side (describe.concurrent): each is its own Job, and most of a
// build is Kaniko unpacking base images, taking snapshots and pushing layers, which
// overlap well on the node's two cores.
//
// What a build gets that the fixture does not say itself: node-prepare's husky comes from
// the node address through an `.npmrc`, as from a private registry.
// pnpm, Yarn Berry, Poetry, uv and a start command that needs tini install a package
// manager (or tini) before any file of the app is copied: mirrors.cluster.test.ts builds
// them through the product's build mirrors.

const { build, serve, get, fixture } = useBuildCluster();

let deps: DependencyServer;
const seconds: Record<string, number> = {};

beforeAll(async () => {
  deps = await startDependencyServer({ npm: npmTarballs(HUSKY) });
}, 300_000);

afterAll(async () => {
  logBuildTimes(seconds);
  await deps?.close();
});

/**
 * A suffix for this run's app names: each app's layer cache is `<app>/cache` in the one
 * registry, so fixed names would let a second run on a machine reuse the first one's
 * layers, and CI (a fresh registry) builds everything.
 */
const run = randomUUID().slice(0, 6);

/** Builds `dir` as this run's app `name`, notes the time, and runs the image as pod `name`. */
async function buildAndServe(name: string, dir: string): Promise<{ status: number; body: string }> {
  const built = await build(`${name}-${run}`, dir);
  seconds[name] = built.seconds;
  return serve(name, built.image);
}

describe.concurrent("stack variants built by Kaniko on the real cluster answer HTTP", () => {
  it("static-spa: a deep link gets 200 and index.html; missing assets and static.json 404", async () => {
    const index = readFileSync(
      join(repoRoot, "test/fixtures/stacks/static-spa/index.html"),
      "utf8",
    );
    expect(await buildAndServe("static-spa", fixture("static-spa"))).toEqual({
      status: 200,
      body: index,
    });
    // nginx (the SPA runtime) answers a router's path with the app itself, as a 200.
    expect(await get("static-spa", "/orders/42/edit")).toEqual({ status: 200, body: index });
    expect(await get("static-spa", "/users/ada.lovelace")).toEqual({ status: 200, body: index });
    const app = await get("static-spa", "/app.js");
    expect(app.status).toBe(200);
    expect(app.body).toContain("spa route");
    // A missing asset is a real 404, and static.json never reached the web root.
    expect((await get("static-spa", "/app.js.map")).status).toBe(404);
    expect((await get("static-spa", "/static.json")).status).toBe(404);
  }, 600_000);

  it("procfile-node: the Procfile's web line is the start command", async () => {
    expect(await buildAndServe("procfile-node", fixture("procfile-node"))).toEqual({
      status: 200,
      body: "web\n",
    });
  }, 600_000);

  it("node-workspaces: the workspace packages install and link", async () => {
    expect(await buildAndServe("node-workspaces", fixture("node-workspaces"))).toEqual({
      status: 200,
      body: "workspaces\n",
    });
  }, 600_000);

  it("node-prepare: the build stage runs `prepare` (husky), the runtime install skips it", async () => {
    const dir = fixture("node-prepare");
    writeFileSync(join(dir, ".npmrc"), deps.npmrc);
    expect(await buildAndServe("node-prepare", dir)).toEqual({ status: 200, body: "prepare\n" });
  }, 600_000);
});
