import { execFile } from "node:child_process";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadConfig, type QsConfig } from "@qs/config";
import { appNamespace, silentLogger } from "@qs/core";
import { createKubeApis, loadKubeConnection } from "@qs/kube";
import { startControlPlane, type ControlPlane } from "../../apps/server/src/control-plane.ts";
import { freePort } from "../support/ports.ts";
import { prepareCluster } from "../support/quickstack-cluster.ts";
import { generateClientKey, gitSshCommand, sshExec, type ClientKey } from "../support/ssh.ts";
import { tempDir } from "../support/tmp.ts";
import { controlPlaneEnv, ensureBuilderImages } from "./builders/images.ts";
import { net, ports, registryName } from "./src/layout.ts";

// A whole control plane (this process) on the real cluster, as `git push qs` reaches it:
// SSH for git and commands, builder pods fetching the context from the node address,
// images in the cluster's registry. Its loops keep to the apps named with its prefix, so
// suites using it run side by side with the others.

export const run = promisify(execFile);

/** One app's work tree with `qs` as its remote. */
export interface PushRepo {
  /** Writes `files` (or copies folder `from`), and commits everything. */
  commit(files: Record<string, string>, from?: string): Promise<void>;
  /** `git push qs HEAD:main`: whether git accepted it, and all it printed. */
  push(): Promise<{ ok: boolean; output: string }>;
}

export interface PushPlane {
  readonly plane: ControlPlane;
  readonly kubeconfig: string;
  ssh(command: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A fresh work tree for `app` (git init, remote qs). */
  repo(app: string): Promise<PushRepo>;
  /** GET `path` through the app's Service ClusterIP (kube-proxy), "" while it has none. */
  httpThroughService(app: string, path?: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/**
 * The settings of a control plane running in this process against the local cluster: SSH
 * and HTTP on free loopback ports, builder pods fetching the context from the node address,
 * images in the cluster's registry (also for scripts/bench/real-cluster.ts).
 */
export async function realClusterConfig(o: {
  dataDir: string;
  redisUrl: string;
  kubeconfig: string;
  systemNamespace: string;
  adminKey: string;
  env?: Record<string, string>;
}): Promise<QsConfig> {
  const contextPort = await freePort();
  return loadConfig({
    QS_ENV: "development",
    QS_LOG_LEVEL: "silent",
    QS_DATA_DIR: o.dataDir,
    QS_HTTP_HOST: "127.0.0.1",
    QS_HTTP_PORT: "0",
    QS_SSH_HOST: "127.0.0.1",
    QS_SSH_PORT: "0",
    // Builder pods fetch the context from the control plane on the node address.
    QS_BUILD_CONTEXT_HOST: net.nodeIp,
    QS_BUILD_CONTEXT_PORT: String(contextPort),
    QS_BUILD_CONTEXT_URL: `http://${net.nodeIp}:${contextPort}`,
    QS_REDIS_URL: o.redisUrl,
    QS_KUBECONFIG: o.kubeconfig,
    QS_REGISTRY_URL: `http://127.0.0.1:${ports.registry}`,
    QS_REGISTRY_HOST: registryName,
    QS_BASE_DOMAIN: "apps.test",
    QS_SYSTEM_NAMESPACE: o.systemNamespace,
    QS_ADMIN_SSH_KEY: o.adminKey,
    ...o.env,
    ...(await controlPlaneEnv()),
  });
}

/**
 * Starts the control plane for apps named `prefix…` against the cluster of `kubeconfig`,
 * with `env` added to its settings (QS_BUILD_* mirrors, say).
 */
export async function startPushPlane(kubeconfig: string, prefix: string, env: Record<string, string> = {}): Promise<PushPlane> {
  await ensureBuilderImages(() => undefined);
  // A system namespace of its own: users live there, and the first admin is made only
  // when none exists (the real cluster keeps other runs' users).
  const systemNamespace = `qs-system-${prefix.replace(/-+$/, "")}`;
  await prepareCluster(kubeconfig, { systemNamespace });
  const tmp = await tempDir(`qs-push-${prefix}-`);
  const admin: ClientKey = await generateClientKey(tmp.path, "ed25519", "admin");
  const config = await realClusterConfig({
    dataDir: join(tmp.path, "data"),
    redisUrl: process.env.QS_TEST_REDIS_URL!,
    kubeconfig,
    systemNamespace,
    adminKey: admin.publicKey,
    // Suites push several apps side by side.
    env: { QS_BUILD_CONCURRENCY: "3", ...env },
  });
  const plane = await startControlPlane(config, silentLogger, { ownsApp: (name) => name.startsWith(prefix) });
  const apis = createKubeApis(loadKubeConnection(kubeconfig));
  return {
    plane,
    kubeconfig,
    ssh: (command) => sshExec(plane.sshPort, admin, command),
    async repo(app) {
      const work = join(tmp.path, "work", app);
      await mkdir(work, { recursive: true });
      const git = (...args: string[]) =>
        run("git", args, { cwd: work, env: { ...process.env, GIT_SSH_COMMAND: gitSshCommand(admin), GIT_TERMINAL_PROMPT: "0" } });
      await git("init", "-q", "-b", "main");
      await git("config", "user.email", "dev@example.test");
      await git("config", "user.name", "Dev");
      await git("remote", "add", "qs", `ssh://git@127.0.0.1:${plane.sshPort}/${app}.git`);
      return {
        async commit(files, from) {
          if (from !== undefined) await cp(from, work, { recursive: true });
          for (const [name, text] of Object.entries(files)) await writeFile(join(work, name), text);
          await git("add", "-A");
          await git("commit", "-q", "-m", "change");
        },
        async push() {
          try {
            const r = await git("push", "qs", "HEAD:main");
            return { ok: true, output: r.stdout + r.stderr };
          } catch (err) {
            const e = err as { stdout: string; stderr: string };
            return { ok: false, output: e.stdout + e.stderr };
          }
        },
      };
    },
    async httpThroughService(app, path = "/") {
      const svc = (await apis.services.list(appNamespace(app))).items[0];
      if (!svc?.spec?.clusterIP) return { status: 0, body: "" };
      const res = await fetch(`http://${svc.spec.clusterIP}${path}`, { signal: AbortSignal.timeout(3_000) });
      return { status: res.status, body: await res.text() };
    },
    async close() {
      await plane.close();
      apis.rest.close();
      await run("kubectl", ["--kubeconfig", kubeconfig, "delete", "namespace", systemNamespace, "--wait=false"]).catch(() => undefined);
      await tmp.remove();
    },
  };
}
