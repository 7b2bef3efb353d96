import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@qs/config";
import { appNamespace, silentLogger } from "@qs/core";
import { createKubeApis, loadKubeConnection } from "@qs/kube";
import { startControlPlane, type ControlPlane } from "../../apps/server/src/control-plane.ts";
import { eventually } from "../e2e/deploy/harness.ts";
import { freePort } from "../support/ports.ts";
import { prepareCluster } from "../support/quickstack-cluster.ts";
import { generateClientKey, gitSshCommand, sshExec, type ClientKey } from "../support/ssh.ts";
import { tempDir } from "../support/tmp.ts";
import { controlPlaneEnv, ensureBuilderImages } from "./builders/images.ts";
import { net, ports, registryName } from "./src/layout.ts";

// The promise of the product on the real cluster: `git push` of a Node app without a
// Dockerfile → a real Kaniko pod builds the generated Dockerfile → the image lands in the
// registry → real pods run it → HTTP through its Service answers; config reaches the
// process, `apps:run` returns the command's exit code, `apps:destroy` cleans up.

const run = promisify(execFile);
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
let plane: ControlPlane;
let admin: ClientKey;
let work: string;
let remove: () => Promise<void>;
const app = `push${Date.now().toString(36).slice(-5)}`;
const systemNamespace = `qs-system-${app}`;

const git = (...args: string[]) =>
  run("git", args, {
    cwd: work,
    env: { ...process.env, GIT_SSH_COMMAND: gitSshCommand(admin), GIT_TERMINAL_PROMPT: "0" },
  });
const ssh = (command: string) => sshExec(plane.sshPort, admin, command);

async function httpThroughService(): Promise<string> {
  const apis = createKubeApis(loadKubeConnection(kubeconfig));
  try {
    const svc = (await apis.services.list(appNamespace(app))).items[0];
    if (!svc?.spec?.clusterIP) return "";
    const res = await fetch(`http://${svc.spec.clusterIP}/`, {
      signal: AbortSignal.timeout(3_000),
    });
    return await res.text();
  } finally {
    apis.rest.close();
  }
}

beforeAll(async () => {
  await ensureBuilderImages(() => undefined);
  // A system namespace of its own: users live there, and the first admin is made only
  // when none exists (the real cluster keeps other runs' users).
  await prepareCluster(kubeconfig, { systemNamespace });
  const tmp = await tempDir("qs-push-cluster-");
  remove = tmp.remove;
  admin = await generateClientKey(tmp.path, "ed25519", "admin");
  const contextPort = await freePort();
  const config = loadConfig({
    QS_ENV: "development",
    QS_LOG_LEVEL: "silent",
    QS_DATA_DIR: join(tmp.path, "data"),
    QS_HTTP_HOST: "127.0.0.1",
    QS_HTTP_PORT: "0",
    QS_SSH_HOST: "127.0.0.1",
    QS_SSH_PORT: "0",
    // Builder pods fetch the context from the control plane on the node address.
    QS_BUILD_CONTEXT_HOST: net.nodeIp,
    QS_BUILD_CONTEXT_PORT: String(contextPort),
    QS_BUILD_CONTEXT_URL: `http://${net.nodeIp}:${contextPort}`,
    QS_REDIS_URL: process.env.QS_TEST_REDIS_URL!,
    QS_KUBECONFIG: kubeconfig,
    QS_REGISTRY_URL: `http://127.0.0.1:${ports.registry}`,
    QS_REGISTRY_HOST: registryName,
    QS_BASE_DOMAIN: "apps.test",
    QS_SYSTEM_NAMESPACE: systemNamespace,
    QS_ADMIN_SSH_KEY: admin.publicKey,
    ...(await controlPlaneEnv()),
  });
  // Other suites run side by side on this cluster: the control plane's loops keep to this app.
  plane = await startControlPlane(config, silentLogger, { ownsApp: (name) => name === app });
  work = join(tmp.path, "work");
  await mkdir(work);
  await git("init", "-q", "-b", "main");
  await git("config", "user.email", "dev@example.test");
  await git("config", "user.name", "Dev");
  await git("remote", "add", "qs", `ssh://git@127.0.0.1:${plane.sshPort}/${app}.git`);
}, 900_000);
afterAll(async () => {
  await plane?.close();
  await run("kubectl", [
    "--kubeconfig",
    kubeconfig,
    "delete",
    "namespace",
    systemNamespace,
    "--wait=false",
  ]).catch(() => undefined);
  await remove?.();
});

async function commit(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(work, name), text);
  await git("add", "-A");
  await git("commit", "-q", "-m", "change");
}

async function push(): Promise<{ ok: boolean; output: string }> {
  try {
    const r = await git("push", "qs", "HEAD:main");
    return { ok: true, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { stdout: string; stderr: string };
    return { ok: false, output: e.stdout + e.stderr };
  }
}

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
