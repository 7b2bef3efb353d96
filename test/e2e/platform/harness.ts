import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadConfig } from "@qs/config";
import { silentLogger } from "@qs/core";
import { DEFAULT_BUILDER_IMAGES, pushTinyImage } from "@qs/builder";
import { startControlPlane, type ControlPlane } from "../../../apps/server/src/control-plane.ts";
import { startKubeDouble, type KubeDouble } from "../../kube-double/src/index.ts";
import { prepareCluster } from "../../support/quickstack-cluster.ts";
import { generateClientKey, gitSshCommand, sshExec, type ClientKey } from "../../support/ssh.ts";
import { tempDir } from "../../support/tmp.ts";

const run = promisify(execFile);
const bare = (image: string): string => image.replace(/:[^:/]+$/, "");

/** The whole control plane against the API double, a real redis and registry, and a work tree. */
export interface Platform {
  readonly double: KubeDouble;
  readonly plane: ControlPlane;
  readonly dir: string;
  readonly admin: ClientKey;
  ssh(command: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  git(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** `git push qs HEAD:main`, resolving with whether git accepted it and all it printed. */
  push(): Promise<{ ok: boolean; output: string }>;
  /** Writes a file, commits it, resolves with the new sha. */
  commit(file: string, text: string): Promise<string>;
  /** The next simulated Kaniko run "pushes" a real tiny image for `app` and reports its digest. */
  builderWillSucceed(app: string, sha: string): Promise<string>;
  builderWillFail(line: string): void;
  /** The sha of `main` in the app's bare repo. */
  deployedRef(app: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the double (optionally with RBAC, and with `deploy/` applied by `applyDeploy`),
 * prepares it as the installer would, and starts the control plane with `kubeconfig(double)`
 * (default: the double's admin kubeconfig), its first admin being a fresh OpenSSH key.
 */
export async function startPlatform(
  options: {
    rbac?: boolean;
    prepare?: (double: KubeDouble, dir: string) => Promise<void>;
    kubeconfig?: (double: KubeDouble, dir: string) => Promise<string>;
    /** More QS_* settings for the control plane. */
    env?: Record<string, string>;
  } = {},
): Promise<Platform> {
  const tmp = await tempDir("qs-platform-");
  const double = await startKubeDouble({ hostExec: true, timings: { secondsScale: 0.1 }, ...(options.rbac ? { rbac: true } : {}) });
  await options.prepare?.(double, tmp.path);
  await prepareCluster(double.kubeconfigPath);
  double.script(bare(DEFAULT_BUILDER_IMAGES.fetch), { logs: ["context verified"], exitAfterMs: 20 });
  const admin = await generateClientKey(tmp.path, "ed25519", "admin");
  const kubeconfig = options.kubeconfig ? await options.kubeconfig(double, tmp.path) : double.kubeconfigPath;
  const registry = process.env.QS_TEST_REGISTRY_URL!;
  const config = loadConfig({
    QS_ENV: "development",
    QS_LOG_LEVEL: "silent",
    QS_DATA_DIR: join(tmp.path, "data"),
    QS_HTTP_HOST: "127.0.0.1",
    QS_HTTP_PORT: "0",
    QS_SSH_HOST: "127.0.0.1",
    QS_SSH_PORT: "0",
    QS_BUILD_CONTEXT_HOST: "127.0.0.1",
    QS_BUILD_CONTEXT_PORT: "0",
    QS_REDIS_URL: process.env.QS_TEST_REDIS_URL!,
    QS_KUBECONFIG: kubeconfig,
    QS_REGISTRY_URL: registry,
    QS_BASE_DOMAIN: "apps.test",
    QS_ADMIN_SSH_KEY: admin.publicKey,
    ...options.env,
  });
  const plane = await startControlPlane(config, silentLogger);
  const work = join(tmp.path, "work");
  await mkdir(work);
  const git = (...args: string[]) =>
    run("git", args, {
      cwd: work,
      env: { ...process.env, GIT_SSH_COMMAND: gitSshCommand(admin), GIT_TERMINAL_PROMPT: "0" },
    });
  await git("init", "-q", "-b", "main");
  await git("config", "user.email", "dev@example.test");
  await git("config", "user.name", "Dev");
  await git("remote", "add", "qs", `ssh://git@127.0.0.1:${plane.sshPort}/shop.git`);

  return {
    double,
    plane,
    dir: tmp.path,
    admin,
    ssh: (command, input) => sshExec(plane.sshPort, admin, command, input === undefined ? {} : { input }),
    git,
    async push() {
      try {
        const r = await git("push", "qs", "HEAD:main");
        return { ok: true, output: r.stdout + r.stderr };
      } catch (err) {
        const e = err as { stdout: string; stderr: string };
        return { ok: false, output: e.stdout + e.stderr };
      }
    },
    async commit(file, text) {
      await writeFile(join(work, file), text);
      await git("add", "-A");
      await git("commit", "-q", "-m", `change ${file}`);
      return (await git("rev-parse", "HEAD")).stdout.trim();
    },
    async builderWillSucceed(app, sha) {
      const digest = await pushTinyImage(registry, app, sha, new Date().toISOString());
      double.script(bare(DEFAULT_BUILDER_IMAGES.kaniko), {
        logs: ["INFO[0000] Building stage 1/1", "INFO[0001] Pushed image"],
        exitAfterMs: 50,
        terminationMessage: digest,
      });
      return digest;
    },
    builderWillFail(line) {
      double.script(bare(DEFAULT_BUILDER_IMAGES.kaniko), { logs: [line], exitAfterMs: 50, exitCode: 1 });
    },
    async deployedRef(app) {
      const repo = join(tmp.path, "data", "repos", `${app}.git`);
      return (await run("git", ["--git-dir", repo, "rev-parse", "main"])).stdout.trim();
    },
    async close() {
      await plane.close();
      await double.close();
      await tmp.remove();
    },
  };
}

/**
 * A bare upstream repository (reached as file://, no network) and a work tree whose
 * `origin` it is, under `dir`: the Git host for apps:source-set and webhook tests.
 */
export async function createUpstream(dir: string): Promise<{ path: string; work: string }> {
  const path = join(dir, "upstream.git");
  const work = join(dir, "upstream-work");
  await run("git", ["init", "-q", "--bare", "-b", "main", path]);
  await mkdir(work);
  const git = (...args: string[]) => run("git", args, { cwd: work });
  await git("init", "-q", "-b", "main");
  await git("config", "user.email", "dev@example.test");
  await git("config", "user.name", "Dev");
  await git("remote", "add", "origin", `file://${path}`);
  return { path, work };
}
