import { createHash, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL_VERSIONS } from "@qs/builder";
import { repoRoot } from "../src/layout.ts";
import { logBuildTimes, useBuildCluster } from "./harness.ts";
import {
  DEBIAN_SUITE,
  PYTHON_TOOLS,
  debianArchive,
  npmTarballs,
  startDependencyServer,
  uvLockPins,
  wheelhouse,
  type DependencyServer,
} from "./served-dependencies.ts";

// The stack variants whose generated Dockerfiles install a package manager before any
// file of the app is copied — pnpm and Yarn Berry through corepack, uv and Poetry 2
// through pip — and a `&&` start command, which needs tini from Debian's archive. Builder
// pods reach no registry here, so each build gets the product's build mirrors
// (QS_BUILD_NPM_REGISTRY, QS_BUILD_PYPI_INDEX, QS_BUILD_APT_MIRROR) as build args, all
// pointing at a server the test runs on the node address (served-dependencies.ts): an npm
// registry with corepack, pnpm and @yarnpkg/cli-dist; a PEP 503 index of uv, Poetry, its
// export plugin and their dependencies, and of the wheels python-uv's uv.lock pins; and
// Debian's signed InRelease, Packages index and tini .deb, checked by apt against the
// image's archive keys. QS_BUILD_GOPROXY is built through the whole control plane in
// push-stacks.cluster.test.ts. Every package is fetched once on this machine and cached
// under .tools/builders/.
//
// What each build gets that the fixture does not say itself:
//   - node-pnpm pins pnpm by hash in package.json's `packageManager` (as `corepack use`
//     writes it): without a hash corepack checks npm's signature of pnpm, and the registry
//     this machine reaches serves packages without signatures, so none can be served.
//   - python-poetry2 states Python 3.13 in .python-version (only 3.13 is made here).

const { build, serve, fixture } = useBuildCluster();

/** The Python images.ts makes (Debian trixie's python3). */
const PYTHON = "3.13";
/** The pnpm corepack fetches for node-pnpm (its lockfile is v9, pnpm 9 and 10's). */
const PNPM = "10.34.9";
/** The Yarn node-yarn-berry's packageManager names. */
const YARN = "4.18.1";

let deps: DependencyServer;
const seconds: Record<string, number> = {};

beforeAll(async () => {
  const uvLock = join(repoRoot, "test/fixtures/stacks/python-uv/uv.lock");
  deps = await startDependencyServer({
    npmMore: [
      npmTarballs([`corepack@${TOOL_VERSIONS.corepack}`]),
      npmTarballs([`pnpm@${PNPM}`]),
      npmTarballs([`@yarnpkg/cli-dist@${YARN}`]),
    ],
    index: [
      wheelhouse(PYTHON_TOOLS, PYTHON, { resolve: true }),
      wheelhouse(uvLockPins(uvLock), PYTHON),
    ],
    debian: debianArchive(DEBIAN_SUITE, ["tini"]),
  });
}, 600_000);

afterAll(async () => {
  logBuildTimes(seconds);
  await deps?.close();
});

/** Per-run app names: every run builds cold, as CI does (see variants.cluster.test.ts). */
const run = randomUUID().slice(0, 6);

/** Builds `dir` through the mirrors, checks the build used them, and serves the image. */
async function buildAndServe(
  name: string,
  dir: string,
  engine: "kaniko" | "buildkit" = "kaniko",
): Promise<{ status: number; body: string; output: string }> {
  const built = await build(`${name}-${run}`, dir, engine, deps.mirrors);
  seconds[name] = built.seconds;
  const output = built.lines.map((l) => l.text).join("\n");
  return { ...(await serve(name, built.image)), output };
}

describe.concurrent("variants that install a package manager build through the build mirrors", () => {
  it("pnpm: corepack and pnpm from the npm mirror", async () => {
    const dir = fixture("node-pnpm");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as object;
    const tgz = readFileSync(join(npmTarballs([`pnpm@${PNPM}`]), `pnpm-${PNPM}.tgz`));
    const hash = createHash("sha512").update(tgz).digest("hex");
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ ...pkg, packageManager: `pnpm@${PNPM}+sha512.${hash}` }),
    );
    const got = await buildAndServe("node-pnpm", dir);
    expect({ status: got.status, body: got.body }).toEqual({ status: 200, body: "pnpm\n" });
  }, 600_000);

  it("Yarn Berry: corepack fetches Yarn as @yarnpkg/cli-dist from the npm mirror (plain HTTP allowed for it)", async () => {
    const got = await buildAndServe("node-yarn-berry", fixture("node-yarn-berry"));
    expect({ status: got.status, body: got.body }).toEqual({ status: 200, body: "yarn berry\n" });
  }, 600_000);

  it("Yarn Berry with rootless BuildKit: the same build args (--opt=build-arg:…)", async () => {
    const got = await buildAndServe("yarn-berry-bk", fixture("node-yarn-berry"), "buildkit");
    expect({ status: got.status, body: got.body }).toEqual({ status: 200, body: "yarn berry\n" });
  }, 600_000);

  it("uv: uv from the index, then uv.lock's pins with their hashes from the same index", async () => {
    const got = await buildAndServe("python-uv", fixture("python-uv"));
    expect({ status: got.status, body: JSON.parse(got.body) as unknown }).toEqual({
      status: 200,
      body: { hello: "uv" },
    });
    expect(got.output).toMatch(/fastapi==0\.165\.0/);
  }, 600_000);

  it("Poetry 2: Poetry and its export plugin from the index, the lock exported and installed", async () => {
    const dir = fixture("python-poetry2");
    writeFileSync(join(dir, ".python-version"), `${PYTHON}\n`);
    const got = await buildAndServe("python-poetry2", dir);
    expect({ status: got.status, body: got.body }).toEqual({ status: 200, body: "poetry 2\n" });
  }, 600_000);

  it("`&&` start: tini from the Debian mirror (signature checked), and both commands run", async () => {
    const got = await buildAndServe("node-and-start", fixture("node-and-start"));
    expect(got.status).toBe(200);
    // server.js answers with what migrate.js wrote before it.
    expect(got.body).toBe("migrated yes\n");
    expect(got.output).toMatch(/Get:\d+ http:\/\/10\.42\.0\.1:\d+\/apt\/debian trixie\/main amd64 tini/);
  }, 600_000);
});

