import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "@qs/core";
import { eventually } from "../e2e/deploy/harness.ts";
import { run, startPushPlane, type PushPlane, type PushRepo } from "./push-harness.ts";
import { ports } from "./src/layout.ts";

// The promise of the product on the real cluster: `git push` of a Node app without a
// Dockerfile → a real Kaniko pod builds the generated Dockerfile → the image lands in the
// registry → real pods run it → HTTP through its Service answers; config reaches the
// process, `apps:run` returns the command's exit code, `apps:destroy` cleans up.

const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const app = `push${Date.now().toString(36).slice(-5)}`;
let p: PushPlane;
let repo: PushRepo;
const ssh = (command: string) => p.ssh(command);
const commit = (files: Record<string, string>) => repo.commit(files);
const push = () => repo.push();
const httpThroughService = async (): Promise<string> => (await p.httpThroughService(app)).body;

beforeAll(async () => {
  p = await startPushPlane(kubeconfig, app);
  repo = await p.repo(app);
}, 900_000);
afterAll(async () => {
  await p?.close();
});

describe("git push on the real cluster", () => {
  it("builds a Node app without a Dockerfile in a real Kaniko pod, releases it, and it answers HTTP", async () => {
    const created = await ssh(`apps:create ${app}`);
    expect(`${created.code} ${created.stderr}`).toMatch(/^0 /);
    await commit({
      "package.json": JSON.stringify({
        name: "hello",
        version: "1.0.0",
        scripts: { start: "node server.js" },
      }),
      "package-lock.json": JSON.stringify({
        name: "hello",
        version: "1.0.0",
        lockfileVersion: 3,
        requires: true,
        packages: { "": { name: "hello", version: "1.0.0" } },
      }),
      "server.js":
        'require("node:http").createServer((_, res) => res.end(`hello ${process.env.GREETING ?? "nobody"}\\n`)).listen(process.env.PORT, () => console.log(`listening on ${process.env.PORT}`));\n',
    });
    const t0 = Date.now();
    const pushed = await push();
    expect(pushed.output).toMatch(/=====> Released v1/);
    expect(pushed.ok).toBe(true);
    expect(
      await eventually(
        async () => ((await httpThroughService()).includes("hello nobody") ? "ok" : undefined),
        "HTTP 200 from the app",
        60_000,
      ),
    ).toBe("ok");
    console.log(
      `git push to first HTTP 200 (Node app, no Dockerfile, real Kaniko build): ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  });

  it("apps:config-set reaches the process and is in no pod spec", async () => {
    expect((await ssh(`apps:config-set ${app} GREETING=from-config-93d2`)).code).toBe(0);
    expect(
      await eventually(
        async () =>
          (await httpThroughService()).includes("hello from-config-93d2") ? "ok" : undefined,
        "new config served",
        90_000,
      ),
    ).toBe("ok");
    const pods = (
      await run(
        "kubectl",
        [
          "--kubeconfig",
          kubeconfig,
          "-n",
          appNamespace(app),
          "get",
          "pods,deployments",
          "-o",
          "json",
        ],
        { maxBuffer: 16 << 20 },
      )
    ).stdout;
    expect(pods).not.toContain("from-config-93d2");
  });

  it("apps:logs shows the real process's output", async () => {
    const logs = await eventually(
      async () => {
        const r = await ssh(`apps:logs ${app}`);
        return r.stdout.includes("listening on 5000") ? r.stdout : undefined;
      },
      "the app's log line",
      30_000,
    );
    expect(logs).toContain("listening on 5000");
  });

  it("apps:run runs a one-off command in a real container and returns its exit code", async () => {
    const r = await ssh(`apps:run ${app} -- node -e "console.log(6*7); process.exit(4)"`);
    expect(r.stdout).toContain("42");
    expect(r.code).toBe(4);
  });

  it("apps:destroy removes the pods and the app's images from the registry", async () => {
    expect((await ssh(`apps:destroy ${app} --confirm ${app}`)).code).toBe(0);
    await eventually(
      async () => {
        const out = (
          await run("kubectl", [
            "--kubeconfig",
            kubeconfig,
            "get",
            "namespace",
            appNamespace(app),
            "--ignore-not-found",
            "-o",
            "name",
          ])
        ).stdout;
        return out.trim() === "" ? true : undefined;
      },
      "namespace gone",
      120_000,
    );
    const tags = await fetch(`http://127.0.0.1:${ports.registry}/v2/${app}/tags/list`);
    const body = tags.ok ? ((await tags.json()) as { tags?: string[] | null }) : { tags: null };
    expect(body.tags ?? []).toEqual([]);
  });
});
