// `npm run build`: the control plane as plain JavaScript in dist/, which is what the image
// runs. Node could run the TypeScript sources directly, but its type stripper stays loaded
// for the life of the process and costs ~17 MB of resident memory (scripts/bench/memory.ts);
// tsc emits the same modules with `.ts` imports rewritten to `.js`.
//
// dist/ mirrors the repository: dist/apps/server/src/main.js, dist/packages/<name>/src/…,
// each workspace's package.json with its exports pointing at .js, and
// dist/node_modules/@qs/<name> linking to them, so `@qs/core` resolves inside dist/ while
// third-party packages resolve from the repository's node_modules/ one level up.
//
// `--out DIR` builds elsewhere (tests); DIR must be inside the repository so that
// node_modules/ is found above it.
import { spawnSync } from "node:child_process";
import { cp, mkdir, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { out: { type: "string" } } });
const dist = resolve(values.out ?? join(root, "dist"));
if (relative(root, dist).startsWith("..")) {
  console.error(` !     --out must be inside ${root} (third-party modules resolve from its node_modules/)`);
  process.exit(2);
}

/** Workspaces shipped in the image: the server and every package. */
async function workspaces(): Promise<string[]> {
  const packages = (await readdir(join(root, "packages"))).map((p) => `packages/${p}`);
  return ["apps/server", ...packages.sort()];
}

/** Points every export (a string or nested conditions) at the emitted .js file. */
function toJs(exports: unknown): unknown {
  if (typeof exports === "string") return exports.replace(/\.ts$/, ".js");
  if (exports !== null && typeof exports === "object") {
    return Object.fromEntries(Object.entries(exports).map(([k, v]) => [k, toJs(v)]));
  }
  return exports;
}

await rm(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", dist], {
  stdio: "inherit",
});
if (tsc.status !== 0) {
  console.error(" !     tsc failed; nothing was built");
  process.exit(1);
}
await mkdir(join(dist, "node_modules/@qs"), { recursive: true });
for (const ws of await workspaces()) {
  const manifest = JSON.parse(await readFile(join(root, ws, "package.json"), "utf8")) as { name: string; exports?: unknown };
  await mkdir(join(dist, ws), { recursive: true });
  await writeFile(join(dist, ws, "package.json"), `${JSON.stringify({ ...manifest, exports: toJs(manifest.exports) }, null, 2)}\n`);
  const link = join(dist, "node_modules", manifest.name);
  await symlink(relative(join(link, ".."), join(dist, ws)), link);
}
// App templates are data the command layer reads at run time (packages/commands/src/templates).
await cp(join(root, "templates"), join(dist, "templates"), { recursive: true });
console.log(`-----> Built ${relative(root, dist)}/ (run: node ${relative(root, join(dist, "apps/server/src/main.js"))})`);
