import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "./support.ts";

// The control-plane image recipe (Dockerfile at the repository root), read as text:
// nothing here can pull or build images, so these are the properties a build relies on.

const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
const runtime = instructions.slice(instructions.findIndex((l) => /^FROM .* AS runtime$/.test(l)));

describe("Dockerfile", () => {
  it("builds every stage from one Node 24 slim base pinned by digest (build extends deps)", () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(arg).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    const froms = instructions.filter((l) => l.startsWith("FROM "));
    expect(froms).toEqual([
      "FROM ${NODE_IMAGE} AS manifests",
      "FROM ${NODE_IMAGE} AS deps",
      "FROM deps AS build",
      "FROM ${NODE_IMAGE} AS runtime",
    ]);
  });

  it("installs production dependencies only, from the lockfile", () => {
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).not.toMatch(/npm install/);
  });

  it("ships git and tini, runs as a non-root user under tini, and starts the compiled main.js", () => {
    const apt = runtime.find((l) => l.includes("apt-get install")) ?? "";
    expect(apt).toMatch(/\bgit\b/);
    expect(apt).toMatch(/\btini\b/);
    expect(runtime).toContain("USER 10001:10001");
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runtime.at(-1)).toBe('CMD ["node", "--max-semi-space-size=1", "--optimize-for-size", "dist/apps/server/src/main.js"]');
    // JavaScript from the build stage and production node_modules only: no TypeScript sources.
    expect(runtime.filter((l) => l.startsWith("COPY"))).toEqual([
      "COPY --from=deps /app/node_modules/ ./node_modules/",
      "COPY --from=build /app/dist/ ./dist/",
    ]);
    // Build tools stay in the deps stage.
    expect(runtime.join("\n")).not.toMatch(/\bg\+\+|\bmake\b/);
  });

  it("uses the uid the Deployment runs as", () => {
    const deployment = parse(
      readFileSync(join(repoRoot, "deploy/base/control-plane/deployment.yaml"), "utf8"),
    ) as { spec: { template: { spec: { securityContext: { runAsUser: number } } } } };
    expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(10001);
    expect(dockerfile).toMatch(/useradd --system --uid 10001 /);
  });

  it("keeps node_modules, git metadata and tests out of the build context", () => {
    const ignore = readFileSync(join(repoRoot, ".dockerignore"), "utf8").split("\n");
    for (const entry of ["**/node_modules", ".git", "**/*.test.ts", "test", "!test/package.json", "dist"]) {
      expect(ignore).toContain(entry);
    }
    // The build stage compiles with scripts/build.ts, the one script the image needs.
    expect(ignore).toContain("!scripts/build.ts");
  });
});
