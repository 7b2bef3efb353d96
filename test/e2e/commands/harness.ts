import { randomUUID } from "node:crypto";
import { silentLogger, type AccessControl, type AuditLog, type UserStore } from "@qs/core";
import { createCommandExecHandler, type CommandServices } from "@qs/commands";
import { createBuildQueue, type BuildQueue } from "@qs/builder";
import { createRepoStore } from "@qs/git";
import { createAddonManager, createAuditLog, createUserStore } from "@qs/kube";
import { createSshServer, loadOrCreateHostKey, type SshServer } from "@qs/ssh";
import { basename } from "node:path";
import { generateClientKey, sshExec, type ClientKey } from "../../support/ssh.ts";
import { tempDir } from "../../support/tmp.ts";
import { startDeployHarness, type DeployHarness } from "../deploy/harness.ts";

/**
 * The command layer end to end: the real OpenSSH client → createSshServer (ssh2) → the
 * command exec handler → the kube stores → the Kubernetes API double; users, keys,
 * grants and the audit log in the double too; git repos on disk.
 */
export interface CommandsHarness {
  readonly h: DeployHarness;
  readonly services: CommandServices;
  readonly users: UserStore & AccessControl;
  readonly audit: AuditLog;
  /** The real `builds` queue (BullMQ on the test Redis, no worker: builds stay queued). */
  readonly builds: BuildQueue;
  readonly ssh: SshServer;
  readonly repoRoot: string;
  readonly adminKey: ClientKey;
  readonly devKey: ClientKey;
  /** `ssh … git@127.0.0.1 <line>` as admin (or with `key`). */
  run(line: string, key?: ClientKey, input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A unique app name. */
  appName(prefix?: string): string;
  close(): Promise<void>;
}

/** Starts everything; `devUser` is a developer with its own key. */
export async function startCommandsHarness(): Promise<CommandsHarness> {
  const h = await startDeployHarness();
  const dir = await tempDir("qs-cmd-e2e-");
  const namespace = `qs-system-${randomUUID().slice(0, 8)}`;
  await h.apis.namespaces.create({ metadata: { name: namespace } });
  const users = createUserStore({ apis: h.apis, namespace });
  const audit = createAuditLog({ apis: h.apis, namespace });
  const repoRoot = `${dir.path}/repos`;
  const redis = new URL(process.env.QS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  const builds = createBuildQueue({
    connection: { host: redis.hostname, port: Number(redis.port), maxRetriesPerRequest: null },
    name: `builds-test-${randomUUID()}`,
  });
  const services: CommandServices = {
    apps: h.apps,
    config: h.config,
    releases: h.releases,
    access: users,
    repos: createRepoStore({ root: repoRoot }),
    audit,
    builds,
    users,
    addons: createAddonManager(h.apis, { readyTimeoutMs: 30_000 }),
    baseDomain: "qs.test",
    gitRemote: (app) => `ssh://git@127.0.0.1:2222/${app}.git`,
    limits: { maxScale: 50 },
    logger: silentLogger,
  };
  const adminKey = await generateClientKey(dir.path, "ed25519", "admin");
  const devKey = await generateClientKey(dir.path, "ed25519", "dev");
  await users.ensureFirstAdmin(adminKey.publicKey);
  await users.create("dev", "developer");
  await users.addKey("dev", devKey.publicKey);
  const ssh = await createSshServer(
    {
      hostKey: await loadOrCreateHostKey(`${dir.path}/ssh_host_ed25519_key`),
      logger: silentLogger,
      authenticate: (_user, key) => users.authenticateKey(key),
      onExec: createCommandExecHandler(services),
    },
    "127.0.0.1",
    0,
  );
  // One master connection per key: %C alone does not include the identity, so sharing a
  // path would run the developer's commands over the admin's connection.
  const controlPath = (key: ClientKey): string => `${dir.path}/cm-${basename(key.privateKeyPath)}-%C`;
  return {
    h,
    services,
    users,
    audit,
    builds,
    ssh,
    repoRoot,
    adminKey,
    devKey,
    run: (line, key = adminKey, input) => sshRun(ssh.port, key, controlPath(key), line, input),
    appName: (prefix = "cmd") => `${prefix}-${randomUUID().slice(0, 8)}`,
    async close() {
      for (const key of [adminKey, devKey]) await sshRun(ssh.port, key, controlPath(key), "", undefined, ["-O", "exit"]);
      await ssh.close(0);
      await builds.close();
      await h.close();
      await dir.remove();
    },
  };
}

/**
 * The real OpenSSH client with connection sharing (ControlMaster): the first call per key
 * makes the connection, later calls open a new session on it, as `ssh` does for a user
 * with ControlMaster in ~/.ssh/config. Keeps a 150-case table fast on 2 cores.
 */
function sshRun(
  port: number,
  key: ClientKey,
  controlPath: string,
  command: string,
  input?: string,
  extra: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const sshArgs = ["-o", "ControlMaster=auto", "-o", `ControlPath=${controlPath}`, "-o", "ControlPersist=60", ...extra];
  return sshExec(port, key, command, { ...(input === undefined ? {} : { input }), sshArgs });
}
