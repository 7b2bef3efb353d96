import { spawn } from "node:child_process";
import { join } from "node:path";
import { silentLogger } from "@qs/core";
import { type CommandServices, createCommandExecHandler } from "@qs/commands";
import { type KubeApis, createAuditLog, createClusterOps, createKubeApis, createNodeOps, createUserStore, loadKubeConnection } from "@qs/kube";
import { createSshServer, loadOrCreateHostKey, type SshServer } from "@qs/ssh";
import { startDeployHarness, type DeployHarness } from "../deploy/harness.ts";
import { generateClientKey, sshExec, sshOptions, type ClientKey } from "../../support/ssh.ts";
import { tempDir } from "../../support/tmp.ts";

/** A control plane's command face over SSH, wired to the API double like apps/server does. */
export interface OpsPlane {
  readonly deploy: DeployHarness;
  /** The plane's own API handles on the double (what apps/server builds from its kubeconfig). */
  readonly apis: KubeApis;
  readonly services: CommandServices;
  readonly users: ReturnType<typeof createUserStore>;
  readonly systemNamespace: string;
  readonly admin: ClientKey;
  readonly sshPort: number;
  /** A new key pair in the plane's temp dir. */
  newKey(name: string): Promise<ClientKey>;
  /** `ssh … command` with the real OpenSSH client. */
  ssh(key: ClientKey, command: string, options?: { input?: string; tty?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** Starts the double, the stores, the SSH server with the command exec handler, and the first admin. */
export async function startOpsPlane(): Promise<OpsPlane> {
  const tmp = await tempDir("qs-ops-");
  const deploy = await startDeployHarness();
  const apis = createKubeApis(loadKubeConnection(deploy.double.kubeconfigPath));
  const systemNamespace = "qs-system";
  await apis.namespaces.create({ metadata: { name: systemNamespace } });
  const users = createUserStore({ apis, namespace: systemNamespace });
  const services: CommandServices = {
    apps: deploy.apps,
    config: deploy.config,
    releases: deploy.releases,
    access: users,
    repos: { createEmpty: () => Promise.resolve({}), remove: () => Promise.resolve() },
    audit: createAuditLog({ apis, namespace: systemNamespace }),
    baseDomain: "qs.test",
    limits: { maxScale: 50 },
    logger: silentLogger,
    users,
    ops: createClusterOps({ apis, pollMs: 50 }),
    nodes: createNodeOps({ apis, namespace: systemNamespace }),
  };
  const admin = await generateClientKey(tmp.path, "ed25519", "admin");
  await users.ensureFirstAdmin(admin.publicKey);
  const handler = createCommandExecHandler(services);
  const server: SshServer = await createSshServer(
    {
      hostKey: await loadOrCreateHostKey(join(tmp.path, "host_key")),
      logger: silentLogger,
      authenticate: (_user, key) => users.authenticateKey(key),
      onExec: handler,
    },
    "127.0.0.1",
    0,
  );
  return {
    deploy,
    apis,
    services,
    users,
    systemNamespace,
    admin,
    sshPort: server.port,
    newKey: (name) => generateClientKey(tmp.path, "ed25519", name),
    ssh: (key, command, options) => sshExec(server.port, key, command, options),
    async close() {
      await server.close(0);
      apis.rest.close();
      await deploy.close();
      await tmp.remove();
    },
  };
}

/**
 * Runs an interactive command: `answer` sees stdout so far and returns what to type next
 * (or undefined to wait for more output).
 */
export function sshInteractive(
  port: number,
  key: ClientKey,
  command: string,
  answer: (stdout: string) => string | undefined,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn("ssh", [...sshOptions(port, key), "-T", "git@127.0.0.1", command], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let answered = false;
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString("utf8");
    if (answered) return;
    const reply = answer(stdout);
    if (reply !== undefined) {
      answered = true;
      // All input at once, then end of input, so a command waiting for more cannot hang.
      child.stdin.end(reply);
    }
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
