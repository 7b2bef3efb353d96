import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../src/layout.ts";
import { useBuildCluster } from "./harness.ts";

// A real Kaniko build on the real cluster (see harness.ts): an app's own Dockerfile and a
// Node app with a generated one, each run as a pod that must answer HTTP with its body.

const { build, serve, app, work } = useBuildCluster();

describe("Kaniko on the real cluster", () => {
  it("builds an app's own Dockerfile, pushes it with the digest it reports, and the image serves HTTP", async () => {
    const dir = app({
      Dockerfile: [
        "FROM busybox:1.37.0",
        "COPY index.html /srv/www/index.html",
        "USER 65534:65534",
        'CMD ["/bin/sh", "-c", "exec httpd -f -p \\"$PORT\\" -h /srv/www"]',
        "",
      ].join("\n"),
      "index.html": "hello from a Dockerfile\n",
    });
    const built = await build("dockerfile-app", dir);
    console.log(`Dockerfile app built in ${built.seconds.toFixed(1)} s (${built.digest})`);
    expect(await serve("dockerfile-app", built.image)).toEqual({
      status: 200,
      body: "hello from a Dockerfile\n",
    });
  }, 600_000);

  it("builds a Node app without a Dockerfile (generated), and a source-only change reuses the dependency layers", async () => {
    const dir = mkdtempSync(join(work, "node-"));
    cpSync(join(repoRoot, "test/fixtures/stacks/node-env-start"), dir, { recursive: true });
    const first = await build("node-app", dir);
    expect(await serve("node-app-1", first.image)).toEqual({ status: 200, body: "env-prefixed\n" });

    writeFileSync(
      join(dir, "server.js"),
      'require("node:http").createServer((_, res) => res.end(`${process.env.GREETING} v2\\n`)).listen(Number(process.env.PORT ?? 5000));\n',
    );
    const second = await build("node-app", dir);
    const ratio = second.seconds / first.seconds;
    console.log(
      `Node app: first build ${first.seconds.toFixed(1)} s, source-only rebuild ${second.seconds.toFixed(1)} s (ratio ${ratio.toFixed(2)})`,
    );
    for (const l of second.lines) {
      if (/Using caching version|Unpacking rootfs|Pushed |Deleting filesystem/.test(l.text)) {
        console.log(`  rebuild: ${l.text.trim()}`);
      }
    }
    // Kaniko's own word that the dependency install came from the layer cache. The app has
    // no build step, so its generated Dockerfile has one stage and one install: production
    // dependencies, without lifecycle scripts.
    const cached = second.lines
      .map((l) =>
        /Using caching version of cmd: (.*npm (?:ci|install).*)$/.exec(l.text)?.[1]?.trim(),
      )
      .filter((cmd) => cmd !== undefined);
    expect(cached, second.lines.map((l) => l.text).join("\n")).toEqual([
      "RUN npm ci --omit=dev --ignore-scripts",
    ]);
    expect(second.digest).not.toBe(first.digest);
    expect(await serve("node-app-2", second.image)).toEqual({
      status: 200,
      body: "env-prefixed v2\n",
    });
  }, 900_000);
});
