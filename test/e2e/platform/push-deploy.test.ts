import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@qs/config";
import { silentLogger } from "@qs/core";
import { DEFAULT_BUILDER_IMAGES, pushTinyImage } from "@qs/build";
import { startControlPlane, type ControlPlane } from "../../../apps/server/src/control-plane.ts";
import { startKubeDouble, type KubeDouble } from "../../kube-double/src/index.ts";
import { prepareCluster } from "../../support/quickstack-cluster.ts";
import { generateClientKey, gitSshCommand, sshExec, type ClientKey } from "../../support/ssh.ts";
import { tempDir } from "../../support/tmp.ts";

// The whole product on one machine: the control plane as `npm run dev` runs it, against the
// Kubernetes API double, a real redis-server and a real docker-registry; git and ssh are the
// real OpenSSH and git clients. Only the builder and app containers are simulated.
const run = promisify(execFile);
const REGISTRY = process.env.QS_TEST_REGISTRY_URL!;
const bare = (image: string): string => image.replace(/:[^:/]+$/, "");

describe("git push → build → release → deploy, end to end", () => {
  let double: KubeDouble;
  let plane: ControlPlane;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let admin: ClientKey;
  let work: string;

  const ssh = (command: string) => sshExec(plane.sshPort, admin, command);
  const git = (...args: string[]) =>
    run("git", args, {
      cwd: work,
      env: { ...process.env, GIT_SSH_COMMAND: gitSshCommand(admin), GIT_TERMINAL_PROMPT: "0" },
    });
  const push = async (): Promise<{ ok: boolean; output: string }> => {
    try {
      const r = await git("push", "qs", "HEAD:main");
      return { ok: true, output: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { stdout: string; stderr: string };
      return { ok: false, output: e.stdout + e.stderr };
    }
  };
  const commit = async (file: string, text: string): Promise<string> => {
    await writeFile(join(work, file), text);
    await git("add", "-A");
    await git("commit", "-q", "-m", `change ${file}`);
    return (await git("rev-parse", "HEAD")).stdout.trim();
  };
  /** The simulated kaniko "pushes" an image: a real one goes to the registry first. */
  const builderWillSucceed = async (app: string, sha: string): Promise<string> => {
    const digest = await pushTinyImage(REGISTRY, app, sha, new Date().toISOString());
    double.script(bare(DEFAULT_BUILDER_IMAGES.kaniko), {
      logs: ["INFO[0000] Building stage 1/1", "INFO[0001] Pushed image"],
      exitAfterMs: 50,
      terminationMessage: digest,
    });
    return digest;
  };

  beforeAll(async () => {
    dir = await tempDir("qs-platform-");
    double = await startKubeDouble({ timings: { secondsScale: 0.1 } });
    await prepareCluster(double.kubeconfigPath);
    double.script(bare(DEFAULT_BUILDER_IMAGES.fetch), { logs: ["context verified"], exitAfterMs: 20 });
    admin = await generateClientKey(dir.path, "ed25519", "admin");
    const config = loadConfig({
      QS_ENV: "development",
      QS_LOG_LEVEL: "silent",
      QS_DATA_DIR: join(dir.path, "data"),
      QS_HTTP_HOST: "127.0.0.1",
      QS_HTTP_PORT: "0",
      QS_SSH_HOST: "127.0.0.1",
      QS_SSH_PORT: "0",
      QS_BUILD_CONTEXT_HOST: "127.0.0.1",
      QS_BUILD_CONTEXT_PORT: "0",
      QS_REDIS_URL: process.env.QS_TEST_REDIS_URL!,
      QS_KUBECONFIG: double.kubeconfigPath,
      QS_REGISTRY_URL: REGISTRY,
      QS_BASE_DOMAIN: "apps.test",
      QS_ADMIN_SSH_KEY: admin.publicKey,
    });
    plane = await startControlPlane(config, silentLogger);
    work = join(dir.path, "work");
    await mkdir(work);
    await git("init", "-q", "-b", "main");
    await git("config", "user.email", "dev@example.test");
    await git("config", "user.name", "Dev");
    await git("remote", "add", "qs", `ssh://git@127.0.0.1:${plane.sshPort}/shop.git`);
  });

  afterAll(async () => {
    await plane?.close();
    await double?.close();
    await dir?.remove();
  });

  it("creates the app over SSH as the first admin", async () => {
    const created = await ssh("apps:create shop");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const list = await ssh("apps:list --json");
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: "shop" })]));
  });

  it("builds and releases v1 on the first push, and runs it", async () => {
    await commit("Dockerfile", "FROM scratch\nCOPY . /app\n");
    const sha = await commit("Procfile", "web: ./server\nworker: ./worker\n");
    const digest = await builderWillSucceed("shop", sha);
    const result = await push();
    expect(result.output).toContain("-----> Building shop (");
    expect(result.output).toContain("INFO[0001] Pushed image");
    expect(result.output).toMatch(/=====> Released v1/);
    expect(result.output).toContain("http://shop.apps.test/");
    expect(result.ok).toBe(true);

    const releases = JSON.parse((await ssh("apps:releases shop --json")).stdout) as { number: number; image: string; gitSha: string }[];
    expect(releases[0]).toMatchObject({ number: 1, gitSha: sha });
    expect(releases[0]?.image).toContain(digest);
    const deployments = double.list("apps/v1", "Deployment", "qs-app-shop").map((d) => d.metadata.name);
    expect(deployments.sort()).toEqual(["shop-web", "shop-worker"]);
  });

  it("makes a new release when config changes, never echoing the value", async () => {
    const set = await ssh("apps:config-set shop DATABASE_URL=postgres://u:s3cret-pw@db/shop");
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain("s3cret-pw");
    const releases = JSON.parse((await ssh("apps:releases shop --json")).stdout) as { number: number; description: string }[];
    expect(releases[0]).toMatchObject({ number: 2 });
    expect(releases[0]?.description).toContain("DATABASE_URL");
    const pods = JSON.stringify(double.list("apps/v1", "Deployment", "qs-app-shop"));
    expect(pods).not.toContain("s3cret-pw");
  });

  it("rejects a push whose build fails and keeps the ref and the running release", async () => {
    const before = (await run("git", ["--git-dir", join(dir.path, "data", "repos", "shop.git"), "rev-parse", "main"])).stdout.trim();
    await commit("broken.txt", "x");
    double.script(bare(DEFAULT_BUILDER_IMAGES.kaniko), {
      logs: ["error building image: RUN make exited 2"],
      exitAfterMs: 50,
      exitCode: 1,
    });
    const result = await push();
    expect(result.ok).toBe(false);
    expect(result.output).toContain("error building image: RUN make exited 2");
    expect(result.output).toContain("pre-receive hook declined");
    const after = (await run("git", ["--git-dir", join(dir.path, "data", "repos", "shop.git"), "rev-parse", "main"])).stdout.trim();
    expect(after).toBe(before);
    const releases = JSON.parse((await ssh("apps:releases shop --json")).stdout) as { number: number }[];
    expect(releases[0]?.number).toBe(2);
  });
});
