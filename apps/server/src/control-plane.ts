import { join } from "node:path";
import type { QsConfig } from "@qs/config";
import {
  UnavailableError,
  QS_VERSION,
  type AccessControl,
  type Logger,
  type PushPipeline,
} from "@qs/core";
import {
  createCommandExecHandler,
  createPreviewManager,
  createPushPipeline,
  startPreviewSweeper,
  type CommandServices,
} from "@qs/commands";
import { createGitService, generateDeployKey, type GitService } from "@qs/git";
import {
  DEFAULT_RESTIC_IMAGE,
  createAddonManager,
  createBackupManager,
  createDeployKeyStore,
  createKubeClient,
  createWebhookSecretStore,
  loadKubeConnection,
  startDrillSweeper,
  type KubeClient,
} from "@qs/kube";
import {
  createRedis,
  createRedisLoginThrottle,
  createRedisDeliveryLog,
  createRedisMetricStore,
  createRedisSessionStore,
  createRedisTotpSteps,
  pingRedis,
  type Redis,
} from "@qs/redis";
import { createSshServer, loadOrCreateHostKey, type ExecChannel, type SshServer } from "@qs/ssh";
import {
  createHttpApp,
  createTerminalHub,
  createStatusSource,
  createUserDirectory,
  mountWebhooks,
  serveHttp,
  startResourceSampler,
  type HttpServer,
} from "@qs/web";
import { createAdminKeyAccess } from "./admin-access.ts";
import { startBuilds } from "./builds.ts";
import { createClusterParts, type ClusterParts } from "./cluster.ts";
import { createUnconfiguredPipeline } from "./default-pipeline.ts";
import { createInstallationDoctor } from "./doctor.ts";

/** How long past the shutdown grace period one part may take to close before it is given up. */
export const PART_CLOSE_MARGIN_MS = 10_000;

/** The running control plane. */
export interface ControlPlane {
  readonly httpPort: number;
  readonly sshPort: number;
  /** Stops everything once; every part is closed even if another fails. */
  close(): Promise<void>;
}

/** Parts a caller (tests) may inject instead of the defaults. */
export interface ControlPlaneDeps {
  /** @defaultValue the users store on the cluster, else the configured admin key only */
  access?: AccessControl;
  /** @defaultValue build → release → deploy on the cluster, else accept-and-say-so */
  pipeline?: PushPipeline;
  /** @defaultValue the App exists on the cluster, else its repo exists */
  appExists?: (app: string) => Promise<boolean>;
  /** @defaultValue the App's deploy branch, else `main` or `master` */
  deployBranchOf?: (app: string) => Promise<string | undefined>;
  /**
   * The apps this control plane's background loops act on: the reconciler, the preview sweep
   * and the drill sweep (commands still reach every app). For tests that share one cluster
   * with others. @defaultValue every app
   */
  ownsApp?: (app: string) => boolean;
}

/**
 * The composition root: builds every adapter from the config and starts the HTTP and SSH
 * servers, the build worker, the reconciler and the resource sampler. Nothing below
 * apps/ reads the environment or chooses an adapter.
 */
export async function startControlPlane(
  config: QsConfig,
  logger: Logger,
  deps: ControlPlaneDeps = {},
): Promise<ControlPlane> {
  const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
  // A part that cannot finish (its Redis or API server is gone) is given up after this, so
  // that SIGTERM always ends the process (git pushes have the grace period itself).
  const partLimitMs = config.shutdownGraceSeconds * 1000 + PART_CLOSE_MARGIN_MS;
  const closeAll = async (): Promise<void> => {
    // Reverse start order; each cleanup runs even if an earlier one threw or hung.
    for (const { name, run } of cleanups.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), partLimitMs);
      });
      try {
        if ((await Promise.race([run(), limit])) === "timeout") {
          logger.error({ part: name, afterMs: partLimitMs }, "cleanup did not finish; giving up on it");
        }
      } catch (err) {
        logger.error({ err, part: name }, "cleanup failed");
      } finally {
        clearTimeout(timer);
      }
    }
  };
  const grace = config.shutdownGraceSeconds * 1000;
  let sshPort = config.ssh.port;

  try {
    const redis = connectRedis(config, logger);
    cleanups.push({ name: "redis", run: () => redis.quit().catch(() => redis.disconnect()) });

    const { kube, kubeProblem } = connectKube(config, logger);
    if (kube !== undefined) cleanups.push({ name: "kube", run: () => Promise.resolve(kube.close()) });
    const cluster: ClusterParts | undefined =
      kube === undefined ? undefined : createClusterParts(config, kube, logger, deps.ownsApp);
    if (cluster !== undefined && config.adminSshKey !== undefined) {
      await bootstrapAdmin(cluster, config.adminSshKey, config.adminTotpSecret, logger);
    }
    const access = deps.access ?? cluster?.users ?? createAdminKeyAccess(config.adminSshKey);

    const builds =
      cluster === undefined || deps.pipeline !== undefined
        ? undefined
        : await startBuilds(config, { runner: cluster.runner, apps: cluster.apps, logger });
    if (builds !== undefined) cleanups.push({ name: "builds", run: () => builds.close() });

    const pipeline =
      deps.pipeline ??
      (cluster !== undefined && builds !== undefined
        ? createPushPipeline({
            builder: builds.builder,
            releases: cluster.releases,
            apps: cluster.apps,
            logger,
            baseDomain: config.baseDomain,
            scheme: config.appScheme,
          })
        : createUnconfiguredPipeline());

    // Review apps need the cluster (they are Apps) and a real pipeline to deploy them.
    const previews =
      cluster === undefined
        ? undefined
        : createPreviewManager({
            apps: cluster.apps,
            config: cluster.config,
            logger,
            ...(builds === undefined ? {} : { images: builds.images }),
            // Stateless over the API: the same as the command layer's (previews --addons fresh|shared).
            ...(kube === undefined ? {} : { addons: createAddonManager(kube.apis, { images: config.addonImages }) }),
          });
    const deployKeys = kube === undefined ? undefined : createDeployKeyStore(kube.apis);
    const git: GitService = await createGitService({
      dataDir: config.dataDir,
      access,
      pipeline,
      logger,
      appExists: deps.appExists ?? cluster?.apps.exists.bind(cluster.apps),
      deployBranchOf:
        deps.deployBranchOf ??
        (cluster === undefined
          ? undefined
          : async (app) => (await cluster.apps.get(app)).spec.deployBranch),
      maxPushBytes: config.maxPushBytes,
      ...(previews === undefined ? {} : { previews }),
      ...(cluster === undefined ? {} : { sourceOf: async (app: string) => (await cluster.apps.get(app)).spec.source }),
      ...(deployKeys === undefined ? {} : { deployKeyOf: (app: string) => deployKeys.privateKey(app) }),
    });
    const closeGit = (): Promise<void> => git.close(grace);
    cleanups.push({ name: "git", run: closeGit }); // if a later start step fails

    const doctor =
      cluster === undefined || kube === undefined
        ? undefined
        : createInstallationDoctor({ config, kube, cluster, pingRedis: () => pingRedis(redis) });

    const webhookSecrets = kube === undefined ? undefined : createWebhookSecretStore(kube.apis);
    const backups =
      cluster === undefined || kube === undefined
        ? undefined
        : createBackupManager({ apis: kube.apis, apps: cluster.apps }, { image: config.backupImage ?? DEFAULT_RESTIC_IMAGE, namespace: config.systemNamespace });
    const services: CommandServices | undefined =
      cluster === undefined
        ? undefined
        : {
            apps: cluster.apps,
            config: cluster.config,
            releases: cluster.releases,
            access,
            repos: git.repos,
            sources: git.sources,
            ...(deployKeys === undefined
              ? {}
              : {
                  deployKeys: {
                    generate: async (name: string) => {
                      const pair = await generateDeployKey(`qs-deploy-${name}`);
                      return { publicKey: pair.publicKey, secretName: await deployKeys.save(name, pair) };
                    },
                  },
                }),
            ...(webhookSecrets === undefined
              ? {}
              : {
                  webhooks: {
                    url: (name: string) => `${config.publicUrl.replace(/\/+$/, "")}/hooks/apps/${name}`,
                    secret: (name: string, rotate: boolean) => webhookSecrets.ensure(name, rotate),
                  },
                }),
            ...(kube === undefined ? {} : { addons: createAddonManager(kube.apis, { images: config.addonImages }) }),
            ...(backups === undefined ? {} : { backups }),
            audit: cluster.audit,
            baseDomain: config.baseDomain,
            appScheme: config.appScheme,
            // The port the SSH server got (QS_SSH_PORT=0 picks one when it starts, below).
            gitRemote: (app) => `ssh://git@${config.ssh.publicHost}:${sshPort}/${app}.git`,
            limits: { maxScale: config.maxScale },
            logger,
            users: cluster.users,
            ops: cluster.ops,
            nodes: cluster.nodes,
            ...(doctor === undefined ? {} : { doctor }),
            ...(builds === undefined ? {} : { builds: builds.control, images: builds.images }),
          };

    const metrics = createRedisMetricStore(redis);
    // One hub for the status page's terminal and /api/v1/apps/{app}/exec: shared limits.
    const terminals = services === undefined ? undefined : createTerminalHub({ services, logger });
    if (terminals !== undefined) cleanups.push({ name: "terminals", run: () => Promise.resolve(terminals.close()) });
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
      ...(services === undefined ? {} : { api: { services, logger, ...(terminals === undefined ? {} : { terminals }) } }),
      ...(cluster === undefined
        ? {}
        : {
            statusPages: {
              status: createStatusSource({
                apps: cluster.apps,
                releases: cluster.releases,
                config: cluster.config,
                ops: cluster.ops,
                nodes: cluster.nodes,
                ...(doctor === undefined ? {} : { doctor }),
                access,
                metrics,
                ...(builds === undefined ? {} : { builds: builds.control }),
                ...(services?.addons === undefined ? {} : { addons: services.addons }),
                ...(services?.backups === undefined ? {} : { backups: services.backups }),
                defaultDomain: (name) => `${name}.${config.baseDomain}`,
              }),
              users: createUserDirectory(cluster.users, createRedisTotpSteps(redis)),
              sessions: createRedisSessionStore(redis),
              throttle: createRedisLoginThrottle(redis),
              metrics,
              logger,
              require2fa: config.require2fa,
              trustProxy: config.inCluster,
              ...(terminals === undefined ? {} : { terminals }),
            },
          }),
      mount: (hono) => {
        hono.all("/git/*", (c) => git.handleHttp(c.req.raw));
        if (cluster !== undefined && webhookSecrets !== undefined) {
          mountWebhooks(hono, {
            apps: cluster.apps,
            secrets: webhookSecrets,
            deliveries: createRedisDeliveryLog(redis),
            sources: git.sources,
            ...(deployKeys === undefined
              ? {}
              : {
                  deployKeys: {
                    generate: async (name: string) => {
                      const pair = await generateDeployKey(`qs-deploy-${name}`);
                      return { publicKey: pair.publicKey, secretName: await deployKeys.save(name, pair) };
                    },
                  },
                }),
            logger,
            audit: cluster.audit,
          });
        }
      },
    });
    const http: HttpServer = await serveHttp(app, config.http.host, config.http.port);
    cleanups.push({ name: "http", run: () => http.close(grace) });

    const runCommand = services === undefined ? runBuiltin : createCommandExecHandler(services);
    const ssh: SshServer = await createSshServer(
      {
        hostKey: await loadOrCreateHostKey(join(config.dataDir, "ssh", "ssh_host_ed25519_key")),
        logger,
        authenticate: (_user, key) => access.authenticateKey(key),
        onExec: async (principal, command, channel) => {
          if (!(await git.handleSsh(principal, command, channel)))
            await runCommand(principal, command, channel);
        },
      },
      config.ssh.host,
      config.ssh.port,
    );
    cleanups.push({ name: "ssh", run: () => ssh.close(grace) });
    sshPort = ssh.port;

    if (cluster !== undefined) {
      await cluster.reconciler.start();
      cleanups.push({ name: "reconciler", run: () => cluster.reconciler.close() });
      const sampler = startResourceSampler({ usage: cluster.usage, metrics, logger });
      cleanups.push({ name: "sampler", run: () => sampler.close() });
      if (previews !== undefined) {
        const sweeper = startPreviewSweeper({ sweep: () => previews.sweep(deps.ownsApp), logger });
        cleanups.push({ name: "preview sweeper", run: () => sweeper.close() });
      }
      if (backups !== undefined) {
        const drills = startDrillSweeper({ backups, logger, ...(deps.ownsApp === undefined ? {} : { owns: deps.ownsApp }) });
        cleanups.push({ name: "backup drill sweeper", run: () => drills.close() });
      }
    }
    // Closed first (cleanups run in reverse): running pushes get the grace period to finish,
    // new ones are refused, then the SSH and HTTP servers have nothing left to wait for.
    // (git.close is idempotent, so the early registration above is then a no-op.)
    cleanups.push({ name: "git", run: closeGit });

    logger.info(
      { http: http.port, ssh: ssh.port, version: QS_VERSION, cluster: kube?.server ?? null },
      "control plane listening",
    );
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

function connectRedis(config: QsConfig, logger: Logger): Redis {
  const redis = createRedis(config.redisUrl);
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
  return redis;
}

function connectKube(
  config: QsConfig,
  logger: Logger,
): { kube: KubeClient | undefined; kubeProblem: string | undefined } {
  if (config.kubeconfig === undefined && !config.inCluster) {
    const kubeProblem =
      "no cluster configured: not running in a cluster and no kubeconfig given (set KUBECONFIG or QS_KUBECONFIG)";
    logger.warn(kubeProblem);
    return { kube: undefined, kubeProblem };
  }
  try {
    return { kube: createKubeClient(loadKubeConnection(config.kubeconfig)), kubeProblem: undefined };
  } catch (err) {
    const kubeProblem = `cannot load kubeconfig ${config.kubeconfig ?? "(in-cluster)"}: ${(err as Error).message}`;
    logger.warn(kubeProblem);
    return { kube: undefined, kubeProblem };
  }
}

/** The first admin from QS_ADMIN_SSH_KEY when no user exists yet; a cluster hiccup is not fatal. */
async function bootstrapAdmin(
  cluster: ClusterParts,
  key: string,
  totpSecret: string | undefined,
  logger: Logger,
): Promise<void> {
  try {
    const created = await cluster.users.ensureFirstAdmin(
      key,
      totpSecret === undefined ? {} : { totpSecret },
    );
    if (created !== undefined)
      logger.info({ user: created.name }, "first admin created from QS_ADMIN_SSH_KEY");
  } catch (err) {
    logger.error(
      { err },
      "could not create the first admin; restart once the cluster is reachable",
    );
  }
}

function runBuiltin(_principal: unknown, command: string, channel: ExecChannel): Promise<void> {
  const verb = command.trim().split(/\s+/)[0] ?? "";
  if (verb === "version") {
    channel.stdout.write(`quickstack ${QS_VERSION}\n`);
    channel.exit(0);
  } else {
    channel.stderr.write(
      `"${verb}" needs a cluster, and none is configured on this server\n` +
        "set KUBECONFIG (or QS_KUBECONFIG) and restart the control plane\n",
    );
    channel.exit(2);
  }
  return Promise.resolve();
}
