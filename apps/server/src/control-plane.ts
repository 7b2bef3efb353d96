import { join } from "node:path";
import type { QsConfig } from "@qs/config";
import {
  QS_VERSION,
  UnavailableError,
  type AccessControl,
  type Logger,
  type PushPipeline,
} from "@qs/core";
import { createGitService, type GitService } from "@qs/git";
import { createKubeClient, loadKubeConfig, type KubeClient } from "@qs/kube";
import { createRedis, pingRedis, type Redis } from "@qs/redis";
import { createSshServer, loadOrCreateHostKey, type ExecChannel, type SshServer } from "@qs/ssh";
import { createAdminKeyAccess } from "./admin-access.ts";
import { createUnconfiguredPipeline } from "./default-pipeline.ts";
import { createHttpApp, serveHttp, type HttpServer } from "@qs/web";

/** The running control plane. */
export interface ControlPlane {
  readonly httpPort: number;
  readonly sshPort: number;
  /** Stops everything once; every part is closed even if another fails. */
  close(): Promise<void>;
}

/** Parts a caller (tests, later the real stores) may inject instead of the defaults. */
export interface ControlPlaneDeps {
  /** @defaultValue the configured admin key only (until the users store lands) */
  access?: AccessControl;
  /** @defaultValue accepts and says that no builder is configured */
  pipeline?: PushPipeline;
  /** @defaultValue the app's repo exists */
  appExists?: (app: string) => Promise<boolean>;
  /** @defaultValue none: `main`, or `master` for repos that only have it */
  deployBranchOf?: (app: string) => Promise<string | undefined>;
}

/**
 * The composition root: builds every adapter from the config and starts the HTTP and SSH
 * servers. Nothing below apps/ reads the environment or chooses an adapter.
 */
export async function startControlPlane(
  config: QsConfig,
  logger: Logger,
  deps: ControlPlaneDeps = {},
): Promise<ControlPlane> {
  const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
  const closeAll = async (): Promise<void> => {
    // Reverse start order; each cleanup runs even if an earlier one threw.
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (err) {
        logger.error({ err, part: name }, "cleanup failed");
      }
    }
  };

  try {
    const redis: Redis = createRedis(config.redisUrl);
    // Log a lost connection once, not once per reconnect attempt.
    let redisDown = false;
    redis.on("error", (err: Error) => {
      if (!redisDown) logger.warn({ err: err.message }, "redis connection lost; retrying");
      redisDown = true;
    });
    redis.on("ready", () => {
      if (redisDown) logger.info("redis connection restored");
      redisDown = false;
    });
    cleanups.push({ name: "redis", run: () => redis.quit().catch(() => redis.disconnect()) });

    let kube: KubeClient | undefined;
    let kubeProblem: string | undefined;
    if (config.kubeconfig === undefined && !config.inCluster) {
      kubeProblem =
        "no cluster configured: not running in a cluster and no kubeconfig given (set KUBECONFIG or QS_KUBECONFIG)";
      logger.warn(kubeProblem);
    } else {
      try {
        kube = createKubeClient(loadKubeConfig(config.kubeconfig));
      } catch (err) {
        kubeProblem = `cannot load kubeconfig ${config.kubeconfig ?? "(in-cluster)"}: ${(err as Error).message}`;
        logger.warn(kubeProblem);
      }
    }

    const access = deps.access ?? createAdminKeyAccess(config.adminSshKey);
    const git: GitService = await createGitService({
      dataDir: config.dataDir,
      access,
      pipeline: deps.pipeline ?? createUnconfiguredPipeline(),
      logger,
      appExists: deps.appExists,
      deployBranchOf: deps.deployBranchOf,
      maxPushBytes: config.maxPushBytes,
    });
    const closeGit = (): Promise<void> => git.close(config.shutdownGraceSeconds * 1000);
    cleanups.push({ name: "git", run: closeGit }); // if a later start step fails

    const app = createHttpApp({
      logger,
      readiness: {
        redis: () => pingRedis(redis),
        kubernetes: async () => {
          if (kube === undefined)
            throw new UnavailableError("KUBERNETES_UNAVAILABLE", kubeProblem ?? "no cluster");
          await kube.ping();
        },
      },
    });
    app.all("/git/*", (c) => git.handleHttp(c.req.raw));
    const http: HttpServer = await serveHttp(app, config.http.host, config.http.port);
    cleanups.push({ name: "http", run: () => http.close(config.shutdownGraceSeconds * 1000) });

    const ssh: SshServer = await createSshServer(
      {
        hostKey: await loadOrCreateHostKey(join(config.dataDir, "ssh", "ssh_host_ed25519_key")),
        logger,
        authenticate: (_user, key) => access.authenticateKey(key),
        onExec: async (principal, command, channel) => {
          if (!(await git.handleSsh(principal, command, channel)))
            await runBuiltin(command, channel);
        },
      },
      config.ssh.host,
      config.ssh.port,
    );
    cleanups.push({ name: "ssh", run: () => ssh.close(config.shutdownGraceSeconds * 1000) });
    // Closed first (cleanups run in reverse): running pushes get the grace period to finish,
    // new ones are refused, then the SSH and HTTP servers have nothing left to wait for.
    // (git.close is idempotent, so the early registration above is then a no-op.)
    cleanups.push({ name: "git", run: closeGit });

    logger.info({ http: http.port, ssh: ssh.port, version: QS_VERSION }, "control plane listening");
    let closing: Promise<void> | undefined;
    return {
      httpPort: http.port,
      sshPort: ssh.port,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function runBuiltin(command: string, channel: ExecChannel): Promise<void> {
  const verb = command.trim().split(/\s+/)[0] ?? "";
  if (verb === "version") {
    channel.stdout.write(`quickstack ${QS_VERSION}\n`);
    channel.exit(0);
  } else {
    channel.stderr.write(`unknown command "${verb}"\nrun: ssh qs help\n`);
    channel.exit(2);
  }
  return Promise.resolve();
}
