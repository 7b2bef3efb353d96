import { randomBytes } from "node:crypto";
import {
  type AppStore,
  type BackupRecord,
  type BackupRetention,
  type BackupHookSpec,
  type BackupService,
  type BackupTarget,
  type DrillRate,
  type DrillResult,
  ADDON_KINDS,
  ConflictError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  appNamespace,
  kubeName,
} from "@qs/core";
import { type KubeApis, ignoreNotFound, isConflict, orUndefined } from "../apis.ts";
import { LABEL_APP, LABEL_COMPONENT, names } from "../labels.ts";
import { DEFAULT_CONTROL_PLANE_ACCOUNT, createNamespaceAccess } from "../namespace-access.ts";
import { LABEL_ADDON, LABEL_ADDON_KIND, type StatefulSet } from "../addons/render.ts";
import type { BackupAddon } from "./addon-dumps.ts";
import type { PreBackupHook } from "./hook.ts";
import type { Job, KubeObject, Namespace, Secret } from "../rest/wire.ts";
import { buildBackupCronJob } from "./backup-cronjob.ts";
import { type CronJob, buildBackupJob } from "./backup-job.ts";
import { judgeBackupHealth, uncoveredBySchedule } from "./health.ts";
import { jobResult, runResticJob } from "./job-runner.ts";
import { LABEL_BACKUP, type ResticEnv, backupNames, buildBackupSecret, buildBackupServiceAccount, resticRepository } from "./objects.ts";
import { buildCheckJob, buildDrillJob, buildRestoreJob } from "./restore-job.ts";
import { DEFAULT_DRILL_RATE, dueDrill, drillRateAnnotation, parseDrillRate } from "./drill-schedule.ts";
import { ANNOTATION_DRILL, backupRecord, contentsAnnotation, parseContents, parseDrillReport, parseRetention, retentionAnnotation } from "./records.ts";

/** Options for createBackupManager. */
export interface BackupManagerOptions {
  /** The restic image backup pods run (pinned by digest in production). */
  readonly image: string;
  /** The control plane's namespace, where the target and key Secrets live. @defaultValue "qs-system" */
  readonly namespace?: string;
  /** How often a running Job is read. @defaultValue 500 */
  readonly pollMs?: number;
  /** How long a backup, restore or drill may take. @defaultValue 3600000 */
  readonly timeoutMs?: number;
  /** A backup stops, failed, when the storage keeps failing this long (seconds). @defaultValue 600 */
  readonly storageTimeoutSeconds?: number;
  /** The clock (names of runs, drill times). @defaultValue () => new Date() */
  readonly now?: () => Date;
}

const decode = (secret: Secret, key: string): string | undefined => {
  const v = secret.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
};

/** A scheduled drill the control plane ran (or could not run). */
export interface ScheduledDrill {
  readonly app: string;
  readonly backup: string;
  readonly ok: boolean;
  readonly reason?: string;
}

/** The backup service plus the control plane's periodic work on it. */
export interface BackupManager extends BackupService {
  /**
   * Drills each schedule's newest backup that is due by the schedule's drill rate, one at a
   * time, and records each result on its backup as backups:drill does. `owns` limits the
   * sweep to some apps (tests beside each other). @defaultValue every app
   */
  runDueDrills(signal: AbortSignal, owns?: (app: string) => boolean): Promise<ScheduledDrill[]>;
}

/** BackupService over the Kubernetes API: restic Jobs in the app's namespace. */
export function createBackupManager(deps: { apis: KubeApis; apps: AppStore }, options: BackupManagerOptions): BackupManager {
  const { apis, apps } = deps;
  const system = options.namespace ?? "qs-system";
  const pollMs = options.pollMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  const now = options.now ?? ((): Date => new Date());
  const storageTimeoutSeconds = options.storageTimeoutSeconds ?? 600;
  const serviceAccounts = apis.custom<KubeObject>("v1", "serviceaccounts");
  const cronJobs = apis.custom<CronJob>("batch/v1", "cronjobs");
  const statefulSets = apis.custom<StatefulSet>("apps/v1", "statefulsets");
  const stamp = (): string => now().toISOString().replace(/[-:TZ]/g, "").slice(0, 14);
  const run = (job: Job, signal: AbortSignal): ReturnType<typeof runResticJob> => runResticJob(apis, job, { pollMs, timeoutMs, signal });
  const access = createNamespaceAccess(apis, { ...DEFAULT_CONTROL_PLANE_ACCOUNT, namespace: system });

  async function applySecret(secret: Secret): Promise<void> {
    const ns = secret.metadata?.namespace ?? "";
    try {
      await apis.secrets.create(ns, secret);
    } catch (err) {
      if (!isConflict(err)) throw err;
      // No resourceVersion: an unconditional update, the Secret is wholly ours.
      await apis.secrets.replace(ns, secret.metadata?.name ?? "", secret);
    }
  }

  async function ensureServiceAccount(namespace: string, app: string): Promise<void> {
    try {
      await serviceAccounts.create(namespace, buildBackupServiceAccount(namespace, app));
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }

  /** The installation's restic password, made on first use (32 random bytes). */
  async function installationKey(): Promise<string> {
    const existing = await orUndefined(() => apis.secrets.read(system, backupNames.keySecret()));
    const have = existing === undefined ? undefined : decode(existing, "password");
    if (have !== undefined) return have;
    const password = randomBytes(32).toString("base64url");
    try {
      await apis.secrets.create(system, { apiVersion: "v1", kind: "Secret", metadata: { name: backupNames.keySecret(), namespace: system }, type: "Opaque", stringData: { password } });
      return password;
    } catch (err) {
      if (!isConflict(err)) throw err;
      return installationKey();
    }
  }

  async function envFor(app: string): Promise<ResticEnv> {
    const secret = await orUndefined(() => apis.secrets.read(system, backupNames.targetSecret()));
    const url = secret === undefined ? undefined : decode(secret, "url");
    if (secret === undefined || url === undefined) {
      throw new NotFoundError("BACKUP_TARGET_NOT_SET", "no backup target is set", {
        hint: "an admin sets one with: ssh qs backups:target-set s3://bucket/prefix --endpoint URL --access-key KEY --secret-key SECRET",
      });
    }
    const get = (k: string): string => decode(secret, k) ?? "";
    return { repository: resticRepository({ url, endpoint: get("endpoint") }, app), password: await installationKey(), accessKey: get("accessKey"), secretKey: get("secretKey"), region: get("region") };
  }

  /** ServiceAccount and Secret in the app's namespace, refreshed from the target on every run. */
  async function prepare(app: string, namespace = appNamespace(app), secretName = backupNames.appSecret()): Promise<void> {
    await ensureServiceAccount(namespace, app);
    await applySecret(buildBackupSecret(namespace, app, await envFor(app), secretName));
  }

  function volumesOfSpec(app: string, spec: { volumes: readonly { name: string }[] }): { name: string; claim: string }[] {
    return spec.volumes.map((v) => ({ name: v.name, claim: names.pvc(app, v.name) }));
  }

  /** The database add-ons APP owns (attached ones of other apps are backed up with their owner). */
  async function addonsOf(app: string): Promise<BackupAddon[]> {
    const sets = await statefulSets.list(appNamespace(app), { labelSelector: `${LABEL_APP}=${app},${LABEL_COMPONENT}=addon` });
    return sets.items
      .map((s) => ({ name: s.metadata?.labels?.[LABEL_ADDON] ?? "", kind: s.metadata?.labels?.[LABEL_ADDON_KIND] ?? "", image: s.spec?.template.spec?.containers[0]?.image ?? "", owner: app }))
      .filter((a): a is BackupAddon => a.name !== "" && a.image !== "" && (ADDON_KINDS as readonly string[]).includes(a.kind))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** What a backup of APP holds: its volumes and its database add-ons (refused when neither), and the hook it calls first. */
  async function contentsOf(app: string): Promise<{ volumes: { name: string; claim: string }[]; addons: BackupAddon[]; hook?: PreBackupHook }> {
    const { spec } = await apps.get(app);
    const volumes = volumesOfSpec(app, spec);
    const addons = await addonsOf(app);
    if (volumes.length === 0 && addons.length === 0) {
      throw new ValidationError("NO_VOLUMES", `${app} has no volumes or database add-ons to back up`, {
        hint: `add a volume with: ssh qs apps:volumes-add ${app} NAME PATH, or a database with: ssh qs addons:create ${app} postgres`,
      });
    }
    return { volumes, addons, ...(spec.backupHook === undefined ? {} : { hook: { app, ...spec.backupHook } }) };
  }

  /** Writes (creates or replaces) APP's CronJob from its spec as it is now. */
  async function writeSchedule(app: string, cron: string, retention: BackupRetention, drill: DrillRate): Promise<void> {
    const ns = appNamespace(app);
    await prepare(app);
    const { volumes, addons, hook } = await contentsOf(app);
    const body = buildBackupCronJob(ns, { app, image: options.image, cron, retention, volumes, addons, storageTimeoutSeconds, ...(hook === undefined ? {} : { hook }) });
    body.metadata = { ...body.metadata, annotations: { ...retentionAnnotation(retention), ...drillRateAnnotation(drill) } };
    if (body.spec !== undefined) body.spec.jobTemplate.metadata = { ...body.spec.jobTemplate.metadata, annotations: contentsAnnotation(volumes, addons) };
    const existing = await orUndefined(() => cronJobs.read(ns, backupNames.cronJob(app)));
    if (existing === undefined) await cronJobs.create(ns, body);
    else await cronJobs.replace(ns, backupNames.cronJob(app), { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } });
  }

  async function retentionOf(app: string): Promise<BackupRetention> {
    const cron = await orUndefined(() => cronJobs.read(appNamespace(app), backupNames.cronJob(app)));
    return parseRetention(cron?.metadata?.annotations);
  }

  async function list(app: string): Promise<BackupRecord[]> {
    const ns = appNamespace(app);
    const jobs = (await apis.jobs.list(ns, { labelSelector: `${LABEL_BACKUP}=backup` })).items;
    const records = await Promise.all(jobs.map(async (job) => backupRecord(job, await jobResult(apis, ns, job.metadata?.name ?? "", job))));
    return records.sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? ""));
  }

  async function findBackup(app: string, id: string): Promise<BackupRecord> {
    const record = (await list(app)).find((r) => r.id === id);
    if (record === undefined) throw new NotFoundError("BACKUP_NOT_FOUND", `${app} has no backup ${id}`, { hint: `list them with: ssh qs backups ${app}` });
    if (record.status !== "succeeded") throw new ValidationError("BACKUP_NOT_USABLE", `backup ${id} of ${app} is ${record.status}`, { hint: `pick a succeeded one from: ssh qs backups ${app}` });
    return record;
  }

  /** Restores `backup` into a scratch namespace, checks it, records the result on the backup's Job. */
  async function drillBackup(app: string, backup: BackupRecord, signal: AbortSignal): Promise<DrillResult> {
    const ns = backupNames.drillNamespace(app, stamp());
    const namespace: Namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { [LABEL_BACKUP]: "drill", "quickstack.dev/app": app } } };
    await apis.namespaces.create(namespace);
    try {
      await access.grant(ns);
      await prepare(app, ns);
      // The dumps are verified with the image that took them (recorded on the backup's Job).
      const contents = parseContents((await apis.jobs.read(appNamespace(app), backup.id)).metadata?.annotations);
      const addons = contents.addons.map((a) => ({ ...a, owner: app }));
      const result = await run(buildDrillJob(ns, backupNames.drillJob(app, stamp()), { app, image: options.image, backupId: backup.id, addons }), signal);
      const report = result.ok ? parseDrillReport(result.message) : { files: 0, databases: [] };
      await recordDrill(app, backup.id, { ok: result.ok, ...(result.ok ? {} : { reason: result.message }) });
      return { backup: backup.id, ok: result.ok, files: report.files, databases: report.databases, ...(result.ok ? {} : { reason: result.message }) };
    } finally {
      await ignoreNotFound(() => apis.namespaces.delete(ns, { propagationPolicy: "Background" }));
    }
  }

  async function recordDrill(app: string, backupId: string, drill: { ok: boolean; reason?: string }): Promise<void> {
    const value = JSON.stringify({ ok: drill.ok, at: now().toISOString(), ...(drill.reason === undefined ? {} : { reason: drill.reason }) });
    await ignoreNotFound(() => apis.jobs.patch(appNamespace(app), backupId, { metadata: { annotations: { [ANNOTATION_DRILL]: value } } }, "merge"));
  }

  return {
    async runDueDrills(signal, owns = () => true): Promise<ScheduledDrill[]> {
      const schedules = (await cronJobs.listAll({ labelSelector: `${LABEL_BACKUP}=schedule` })).items;
      const done: ScheduledDrill[] = [];
      for (const cron of schedules) {
        const app = cron.metadata?.labels?.[LABEL_APP];
        if (app === undefined || !owns(app) || cron.metadata?.namespace !== appNamespace(app)) continue;
        const backup = dueDrill(await list(app), parseDrillRate(cron.metadata.annotations), now());
        if (backup === undefined) continue;
        try {
          const result = await drillBackup(app, backup, signal);
          done.push({ app, backup: backup.id, ok: result.ok, ...(result.reason === undefined ? {} : { reason: result.reason }) });
        } catch (err) {
          if (signal.aborted) throw err;
          // A drill that could not even start (target gone, namespace refused) proves nothing
          // either: it is recorded as failed, so health says so, rather than retried for ever.
          const reason = `the drill could not run: ${(err as Error).message}`;
          await recordDrill(app, backup.id, { ok: false, reason });
          done.push({ app, backup: backup.id, ok: false, reason });
        }
      }
      return done;
    },

    async setTarget(input, signal): Promise<BackupTarget> {
      const target: BackupTarget = { url: input.url, endpoint: input.endpoint, region: input.region };
      const env: ResticEnv = { repository: resticRepository(target, ".qs-check"), password: await installationKey(), accessKey: input.accessKey, secretKey: input.secretKey, region: input.region };
      const name = kubeName("qs-backup-check", stamp());
      await ensureServiceAccount(system, "qs-backup-check");
      await applySecret(buildBackupSecret(system, "qs-backup-check", env, name));
      try {
        const result = await run(buildCheckJob(system, name, { image: options.image, secretName: name }), signal);
        if (!result.ok) {
          throw new UnavailableError("BACKUP_TARGET_UNREACHABLE", `the backup target did not work from inside the cluster: ${result.message}`, {
            hint: "check the endpoint (as pods reach it), the bucket and the keys; nothing was saved",
          });
        }
      } finally {
        await ignoreNotFound(() => apis.jobs.delete(system, name, { propagationPolicy: "Background" }));
        await ignoreNotFound(() => apis.secrets.delete(system, name));
      }
      await applySecret({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: backupNames.targetSecret(), namespace: system },
        type: "Opaque",
        stringData: { url: input.url, endpoint: input.endpoint, region: input.region, accessKey: input.accessKey, secretKey: input.secretKey },
      });
      return target;
    },

    async schedule(app, cron, retention, drill: DrillRate = DEFAULT_DRILL_RATE): Promise<void> {
      await writeSchedule(app, cron, retention, drill);
    },

    async setHook(app, hook: BackupHookSpec | undefined) {
      await apps.update(app, (spec) => {
        const { backupHook: _old, ...rest } = spec;
        return hook === undefined ? rest : { ...rest, backupHook: { path: hook.path, timeoutSeconds: hook.timeoutSeconds } };
      });
      // The CronJob runs without the control plane: it carries the hook, so it is rendered again.
      const cron = await orUndefined(() => cronJobs.read(appNamespace(app), backupNames.cronJob(app)));
      if (cron?.spec === undefined) return { scheduleUpdated: false };
      await writeSchedule(app, cron.spec.schedule, parseRetention(cron.metadata?.annotations), parseDrillRate(cron.metadata?.annotations));
      return { scheduleUpdated: true };
    },

    async create(app, signal): Promise<BackupRecord> {
      const { volumes, addons, hook } = await contentsOf(app);
      const running = (await list(app)).find((r) => r.status === "running");
      if (running !== undefined) throw new ConflictError("BACKUP_RUNNING", `backup ${running.id} of ${app} is still running`, { hint: `wait for it: ssh qs backups ${app}` });
      await prepare(app);
      const ns = appNamespace(app);
      const name = backupNames.backupJob(app, stamp());
      const job = buildBackupJob(ns, name, { app, image: options.image, volumes, addons, storageTimeoutSeconds, retention: await retentionOf(app), ...(hook === undefined ? {} : { hook }) });
      job.metadata = { ...job.metadata, annotations: { ...job.metadata?.annotations, ...contentsAnnotation(volumes, addons) } };
      const result = await run(job, signal);
      const record = (await list(app)).find((r) => r.id === name);
      // A run that never started (image, deadline) has its Job removed: report why.
      if (record === undefined) throw new UnavailableError("BACKUP_FAILED", `backup ${name} of ${app} failed: ${result.message}`, { hint: "fix the cause and run backups:create again; earlier backups are untouched" });
      return record;
    },

    list,

    async restore(app, id, to, signal): Promise<void> {
      await findBackup(app, id);
      const contents = parseContents((await apis.jobs.read(appNamespace(app), id)).metadata?.annotations);
      const volumes = volumesOfSpec(to, (await apps.get(to)).spec);
      if (contents.volumes.length > 0 && volumes.length === 0) {
        throw new ValidationError("NO_VOLUMES", `${to} has no volumes to restore into`, { hint: `add the same volumes as ${app} with: ssh qs apps:volumes-add ${to} NAME PATH` });
      }
      // Each dump loads into the add-on of the same name and kind in the target app.
      const present = await addonsOf(to);
      const addons = contents.addons.map((a) => present.find((p) => p.name === a.name && p.kind === a.kind));
      const missing = contents.addons.filter((_, i) => addons[i] === undefined);
      if (missing.length > 0) {
        throw new ValidationError("RESTORE_ADDON_MISSING", `${to} has no ${missing.map((a) => `${a.kind} add-on named ${a.name}`).join(", ")} to load backup ${id} into`, {
          hint: missing.map((a) => `ssh qs addons:create ${to} ${a.kind} --name ${a.name}`).join("; "),
        });
      }
      const ns = appNamespace(to);
      // Restoring into another app reads the source app's repository through a Secret of its own.
      const secretName = to === app ? backupNames.appSecret() : kubeName("qs-backup-from", app);
      await ensureServiceAccount(ns, to);
      await applySecret(buildBackupSecret(ns, to, await envFor(app), secretName));
      const name = backupNames.restoreJob(to, stamp());
      const job = buildRestoreJob(ns, name, { app: to, image: options.image, backupId: id, volumes, secretName, addons: addons.filter((a) => a !== undefined) });
      try {
        const result = await run(job, signal);
        if (!result.ok) throw new UnavailableError("RESTORE_FAILED", `restoring ${id} into ${to} failed: ${result.message}`, { hint: "the volumes may be partly restored (each database is loaded in one transaction); fix the cause and restore again" });
      } finally {
        if (to !== app) await ignoreNotFound(() => apis.secrets.delete(ns, secretName));
      }
    },

    async health(app) {
      const [records, cron, spec, addons] = await Promise.all([list(app), orUndefined(() => cronJobs.read(appNamespace(app), backupNames.cronJob(app))), apps.get(app).then((a) => a.spec), addonsOf(app)]);
      const schedule = cron?.spec?.schedule === undefined ? undefined : { cron: cron.spec.schedule, ...(cron.metadata?.creationTimestamp === undefined ? {} : { since: cron.metadata.creationTimestamp }) };
      const uncovered = cron === undefined ? [] : uncoveredBySchedule(parseContents(cron.spec?.jobTemplate.metadata?.annotations), { volumes: spec.volumes.map((v) => v.name), addons: addons.map((a) => a.name) });
      return judgeBackupHealth({ records, ...(schedule === undefined ? {} : { schedule }), uncovered, now: now() });
    },

    async drill(app, signal) {
      const backup = (await list(app)).find((r) => r.status === "succeeded");
      if (backup === undefined) throw new NotFoundError("NO_BACKUP", `${app} has no succeeded backup to drill`, { hint: `make one with: ssh qs backups:create ${app}` });
      return drillBackup(app, backup, signal);
    },
  };
}
