import { addonRows } from "./addon-rows.ts";
import {
  AppNotFoundError,
  ForbiddenError,
  type AccessControl,
  type AddonManager,
  type App,
  type AppDetail,
  type AppSummary,
  type AppStore,
  type BackupService,
  type BuildControl,
  type CertificateSource,
  type ClusterOps,
  type ConfigStore,
  type Doctor,
  type MetricStore,
  type NodeOps,
  type Principal,
  type ReleaseManager,
  type StatusSource,
} from "@qs/core";

/** The ports the real StatusSource reads; apps/server passes the ones it built. */
export interface StatusSourceDeps {
  readonly apps: Pick<AppStore, "list" | "get">;
  readonly releases: Pick<ReleaseManager, "list">;
  /** Read for the var names only: the page lists keys, never values. */
  readonly config: Pick<ConfigStore, "get">;
  readonly ops: Pick<ClusterOps, "ps" | "logs" | "autoscalers">;
  readonly nodes: Pick<NodeOps, "list">;
  readonly access: Pick<AccessControl, "canAccessApp">;
  readonly metrics: MetricStore;
  /** Last build output; without it the app page shows no build. */
  readonly builds?: Pick<BuildControl, "output">;
  /** Add-ons on the app page (kind, version, state, variable); without it no add-on section. */
  readonly addons?: Pick<AddonManager, "get" | "list">;
  /** Backup health on the app page (failed or missed backups); without it no backups line. */
  readonly backups?: Pick<BackupService, "health">;
  /** Certificate states; without it every domain shows `Unknown`. */
  readonly certificates?: CertificateSource;
  /** Installation health (the doctor's checks) for the nodes page; without it no health section. */
  readonly doctor?: Doctor;
  /** The implicit `<app>.<base domain>`, listed first when given. */
  readonly defaultDomain?: (app: string) => string | undefined;
  /** Releases listed on the app page. @defaultValue 10 */
  readonly releaseCount?: number;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

/** One status word from the App conditions the reconciler writes. */
export function appStatusWord(app: App): string {
  const cond = (type: string) => app.status.conditions.find((c) => c.type === type)?.status;
  if (app.spec.release === undefined && app.status.currentRelease === undefined) return "Idle";
  if (cond("Degraded") === "True") return "Degraded";
  if (cond("Progressing") === "True") return "Deploying";
  if (Object.values(app.spec.processes).every((p) => p.replicas === 0)) return "Stopped";
  if (cond("Ready") === "True") return "Running";
  return cond("Ready") === "False" ? "NotReady" : "Unknown";
}

/** The overview row of an app (pure). */
export function summarizeApp(app: App, domains: readonly string[], usage?: { cpuMillicores: number; memoryBytes: number }): AppSummary {
  const current = app.status.currentRelease ?? app.spec.release;
  const names = new Set([...Object.keys(app.spec.processes), ...Object.keys(app.status.processes ?? {})]);
  return {
    name: app.name,
    status: appStatusWord(app),
    conditions: app.status.conditions.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
    ...(current === undefined ? {} : { release: `v${current}` }),
    domains,
    processes: [...names].sort().map((process) => ({
      process,
      ready: app.status.processes?.[process]?.ready ?? 0,
      desired: app.status.processes?.[process]?.desired ?? app.spec.processes[process]?.replicas ?? 0,
    })),
    ...(usage ? { cpuMillicores: usage.cpuMillicores, memoryBytes: usage.memoryBytes } : {}),
  };
}

/**
 * The StatusSource over the command layer's ports, with the same authorisation:
 * AccessControl.canAccessApp decides, an app the principal may not touch is "not found",
 * and nodes are for admins.
 */
export function createStatusSource(deps: StatusSourceDeps): StatusSource {
  const now = deps.now ?? Date.now;
  const domainsOf = (app: App) => {
    const implicit = deps.defaultDomain?.(app.name);
    return implicit ? [implicit, ...app.spec.domains.filter((d) => d !== implicit)] : [...app.spec.domains];
  };
  // The overview reads usage from the sampler's newest point (no metrics call per app).
  const latestUsage = async (name: string) => {
    const recent = await deps.metrics.read(`app:${name}`, now() - 120_000);
    return recent.at(-1);
  };
  const allowed = async (principal: Principal, name: string): Promise<App> => {
    if (!(await deps.access.canAccessApp(principal, name))) throw new AppNotFoundError(name);
    return deps.apps.get(name);
  };

  return {
    async listApps(principal) {
      const apps = await deps.apps.list();
      const visible = await Promise.all(apps.map(async (a) => ((await deps.access.canAccessApp(principal, a.name)) ? a : undefined)));
      return Promise.all(
        visible.filter((a): a is App => a !== undefined).map(async (a) => summarizeApp(a, domainsOf(a), await latestUsage(a.name))),
      );
    },

    async getApp(principal, name) {
      const app = await allowed(principal, name);
      const domains = domainsOf(app);
      const [pods, releases, build, certificates, configKeys, autoscalers] = await Promise.all([
        deps.ops.ps(name),
        deps.releases.list(name),
        deps.builds?.output(name),
        deps.certificates?.status(name, domains),
        // The values are dropped here, before anything reaches a view.
        deps.config.get(name).then((vars) => Object.keys(vars).sort()),
        deps.ops.autoscalers?.(name) ?? Promise.resolve([]),
      ]);
      const sum = (pick: (p: (typeof pods)[number]) => number | undefined) =>
        pods.some((p) => pick(p) !== undefined) ? pods.reduce((n, p) => n + (pick(p) ?? 0), 0) : undefined;
      const cpu = sum((p) => p.cpuMillicores);
      const memory = sum((p) => p.memoryBytes);
      const summary = summarizeApp(app, domains, cpu !== undefined && memory !== undefined ? { cpuMillicores: cpu, memoryBytes: memory } : undefined);
      const current = app.status.currentRelease ?? app.spec.release;
      const detail: AppDetail = {
        ...summary,
        releases: releases.slice(0, deps.releaseCount ?? 10).map((r) => ({
          version: `v${r.number}`,
          author: r.author,
          description: r.description,
          createdAt: r.createdAt,
          current: r.number === current,
        })),
        domainStatus: certificates ?? domains.map((host) => ({ host, certificate: "Unknown" })),
        pods: pods.map((p) => ({
          source: p.source,
          pod: p.pod,
          process: p.process,
          state: p.state,
          ready: p.ready,
          restarts: p.restarts,
          ...(p.node ? { node: p.node } : {}),
          ...(p.cpuMillicores === undefined ? {} : { cpuMillicores: p.cpuMillicores }),
          ...(p.memoryBytes === undefined ? {} : { memoryBytes: p.memoryBytes }),
        })),
        volumes: app.spec.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, size: v.size, processes: [...(v.processes ?? [])] })),
        configKeys,
        lastBuild: build ? { sha: build.record.gitSha, status: build.record.state, output: build.lines } : undefined,
        ...(autoscalers.length === 0 ? {} : { autoscalers }),
        ...(deps.addons === undefined ? {} : { addons: await addonRows(deps.addons, app) }),
        // Best effort, like apps:info: an unreadable backup state must not break the page.
        ...await (deps.backups?.health(name).then((backups) => ({ backups })).catch(() => ({})) ?? {}),
      };
      return detail;
    },

    async nodes(principal) {
      if (principal.role !== "admin") throw new ForbiddenError("Only admins may see the nodes.");
      return deps.nodes.list();
    },

    ...(deps.doctor === undefined
      ? {}
      : {
          async health(principal) {
            if (principal.role !== "admin") throw new ForbiddenError("Only admins may see the installation's health.");
            return (deps.doctor as Doctor).run();
          },
        }),

    async logs(principal, name, onLine, signal) {
      await allowed(principal, name);
      await deps.ops.logs(name, { follow: true, tail: 100 }, onLine, signal);
    },
  };
}
