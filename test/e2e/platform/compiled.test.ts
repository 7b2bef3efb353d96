import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeDouble, startKubeDouble } from "../../kube-double/src/index.ts";
import { freePort, waitForPort } from "../../support/ports.ts";
import { prepareCluster } from "../../support/quickstack-cluster.ts";
import { tempDir } from "../../support/tmp.ts";

// The image runs the compiled control plane (`npm run build` → dist/), not the TypeScript
// sources: build it into a scratch folder and run it against the API double.

const root = join(import.meta.dirname, "../../..");
const out = join(root, ".qs", `dist-test-${randomUUID().slice(0, 8)}`);
let double: KubeDouble;
let data: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  const build = spawnSync(process.execPath, ["scripts/build.ts", "--out", out], { cwd: root, encoding: "utf8" });
  expect(build.status, build.stderr + build.stdout).toBe(0);
  double = await startKubeDouble();
  await prepareCluster(double.kubeconfigPath);
  data = await tempDir("qs-compiled-");
}, 120_000);
afterAll(async () => {
  await double.close();
  await data.remove();
  await rm(out, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe("the compiled control plane (dist/)", () => {
  it("holds JavaScript only, no tests, and a package.json per workspace pointing at .js", async () => {
    const all = await files(out);
    expect(all).toContain("apps/server/src/main.js");
    expect(all.filter((f) => f.endsWith(".ts"))).toEqual([]);
    expect(all.filter((f) => /\.test\.js$/.test(f))).toEqual([]);
    const { default: core } = (await import(join(out, "packages/core/package.json"), { with: { type: "json" } })) as {
      default: { exports: Record<string, string> };
    };
    expect(core.exports["."]).toBe("./src/index.js");
  });

  it("starts against the API double, answers /readyz, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [join(out, "apps/server/src/main.js")], {
      env: {
        PATH: process.env.PATH,
        QS_LOG_LEVEL: "warn",
        QS_DATA_DIR: data.path,
        QS_HTTP_HOST: "127.0.0.1",
        QS_HTTP_PORT: String(port),
        QS_SSH_HOST: "127.0.0.1",
        QS_SSH_PORT: "0",
        QS_BUILD_CONTEXT_HOST: "127.0.0.1",
        QS_BUILD_CONTEXT_PORT: "0",
        QS_REDIS_URL: process.env.QS_TEST_REDIS_URL,
        QS_REGISTRY_URL: process.env.QS_TEST_REGISTRY_URL,
        QS_KUBECONFIG: double.kubeconfigPath,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    try {
      await waitForPort(port, "127.0.0.1", 30_000);
      const ready = await fetch(`http://127.0.0.1:${port.toString()}/readyz`);
      expect(ready.status, await ready.text()).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code, stderr).toBe(0);
  }, 60_000);
});
