import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "@qs/core";
import { type DeployHarness, eventually, script, startDeployHarness } from "../../../../test/e2e/deploy/harness.ts";
import type { CronJob } from "./backup-job.ts";
import { type BackupManager, createBackupManager } from "./backup-manager.ts";
import { LABEL_BACKUP } from "./objects.ts";

// Scheduled restore drills (issue 18) on the API double with a fixed clock: the control
// plane's sweep drills a schedule's newest backup when the last drill is older than the
// schedule's rate, records the result beside the backup, and a failed drill makes health
// "failed". The double has no CronJob controller: its runs are made here from the job
// template, owned by the CronJob, as Kubernetes' controller makes them.
let h: DeployHarness;
let backups: BackupManager;
let clock = Date.now();
const DAY = 86_400_000;
const system = "qs-drill-test-system";
const image = "restic:drill-test";
const never = new AbortController().signal;
let app: string;
const owns = (a: string): boolean => a === app;

beforeAll(async () => {
  h = await startDeployHarness();
  await h.apis.namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: system } });
  await h.apis.secrets.create(system, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "qs-backup-target", namespace: system },
    stringData: { url: "s3://b/p", endpoint: "http://s3.test:7070", region: "us-east-1", accessKey: "AKIA-double", secretKey: "SECRET-double" },
  });
  backups = createBackupManager({ apis: h.apis, apps: h.apps }, { image, namespace: system, pollMs: 50, timeoutMs: 10_000, now: () => new Date(clock) });
  app = h.appName("dr");
  await h.apps.create(app, "alice", { volumes: [{ name: "data", mountPath: "/data", size: "1Gi" }] });
});
afterAll(async () => {
  await h.close();
});

let runs = 0;
/** One run of the schedule, as the CronJob controller makes it; waits until it finished. */
async function scheduledRun(): Promise<string> {
  const ns = appNamespace(app);
  const cron = await h.apis.custom<CronJob>("batch/v1", "cronjobs").read(ns, `${app}-backup`);
  const template = cron.spec?.jobTemplate;
  // Named as the CronJob controller names its Jobs (the scheduled minute): runs made here
  // within one second are told apart by name, as the sweep does.
  const name = `${app}-backup-${29_000_000 + ++runs}`;
  await h.apis.jobs.create(ns, {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      ...template?.metadata,
      name,
      namespace: ns,
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cron.metadata?.name ?? "", uid: cron.metadata?.uid ?? "", controller: true }],
    },
    ...(template?.spec === undefined ? {} : { spec: template.spec }),
  });
  await eventually(async () => ((await backups.list(app)).find((r) => r.id === name && r.status !== "running") ? true : undefined), `run ${name} finished`);
  return name;
}

const drillNamespaces = async (): Promise<number> =>
  (await h.apis.namespaces.list({ labelSelector: `${LABEL_BACKUP}=drill` })).items.filter((n) => n.metadata?.labels?.["quickstack.dev/app"] === app && n.status?.phase !== "Terminating").length;

describe("scheduled restore drills", () => {
  it("drill the newest scheduled backup at the schedule's rate, shown beside it; a failed one makes health failed", async () => {
    await backups.schedule(app, "0 3 * * *", { daily: 7 });
    const cron = await h.apis.custom<CronJob>("batch/v1", "cronjobs").read(appNamespace(app), `${app}-backup`);
    expect(cron.metadata?.annotations?.["quickstack.dev/drill-rate"]).toBe("weekly");

    // Nothing to drill before the first scheduled run.
    expect(await backups.runDueDrills(never, owns)).toEqual([]);
    const b1 = await scheduledRun();
    const first = await backups.runDueDrills(never, owns);
    expect(first).toEqual([{ app, backup: b1, ok: true }]);
    const drilledAt = new Date(clock).toISOString();
    expect((await backups.list(app)).find((r) => r.id === b1)?.drill).toEqual({ ok: true, at: drilledAt });
    expect((await backups.health(app)).finding).toContain(`drill passed ${drilledAt}`);

    // A day later the next run is not drilled: the last drill is younger than a week.
    clock += DAY;
    const b2 = await scheduledRun();
    expect(await backups.runDueDrills(never, owns)).toEqual([]);
    expect((await backups.list(app)).find((r) => r.id === b2)?.drill).toBeUndefined();
    expect(await drillNamespaces()).toBe(0);

    // A week after the first drill the newest run is drilled; this time the restore fails.
    clock += 6 * DAY;
    const b3 = await scheduledRun();
    script(h, image, { exitAfterMs: 10, exitCode: 1, terminationMessage: "checksum mismatch: data/a.txt" });
    const second = await backups.runDueDrills(never, owns);
    expect(second).toEqual([{ app, backup: b3, ok: false, reason: "checksum mismatch: data/a.txt" }]);
    const failed = (await backups.list(app)).find((r) => r.id === b3)?.drill;
    expect(failed).toEqual({ ok: false, at: new Date(clock).toISOString(), reason: "checksum mismatch: data/a.txt" });
    const health = await backups.health(app);
    expect(health.status).toBe("failed");
    expect(health.finding).toContain(`the drill of backup ${b3} failed`);
    expect(health.finding).toContain("checksum mismatch");
    // The scratch copies are gone.
    await eventually(async () => ((await drillNamespaces()) === 0 ? true : undefined), "drill namespaces deleted");
  });

  it("a drill that cannot even start (the target was removed) is recorded as failed, not retried for ever", async () => {
    await backups.schedule(app, "0 3 * * *", { daily: 7 }, "daily");
    script(h, image, { exitAfterMs: 10, exitCode: 0 });
    const b = await scheduledRun();
    const targetSecret = await h.apis.secrets.read(system, "qs-backup-target");
    await h.apis.secrets.delete(system, "qs-backup-target");
    try {
      const swept = await backups.runDueDrills(never, owns);
      expect(swept).toEqual([{ app, backup: b, ok: false, reason: "the drill could not run: no backup target is set" }]);
      expect((await backups.list(app)).find((r) => r.id === b)?.drill).toMatchObject({ ok: false, reason: "the drill could not run: no backup target is set" });
      expect((await backups.health(app)).status).toBe("failed");
      expect(await backups.runDueDrills(never, owns)).toEqual([]);
    } finally {
      await h.apis.secrets.create(system, { apiVersion: "v1", kind: "Secret", metadata: { name: "qs-backup-target", namespace: system }, ...(targetSecret.data === undefined ? {} : { data: targetSecret.data }) });
    }
    // Once fixed, the next scheduled run is drilled at once (the last drill failed), and the
    // failure no longer stands. (Not "ok" here: the fixed clock is days past the runs' real
    // start times, so the daily schedule reads as missed.)
    clock += 60_000;
    const next = await scheduledRun();
    expect(await backups.runDueDrills(never, owns)).toEqual([{ app, backup: next, ok: true }]);
    expect((await backups.health(app)).status).not.toBe("failed");
  });

  it("--drill off records off and the sweep leaves the schedule alone", async () => {
    await backups.schedule(app, "0 3 * * *", { daily: 7 }, "off");
    const cron = await h.apis.custom<CronJob>("batch/v1", "cronjobs").read(appNamespace(app), `${app}-backup`);
    expect(cron.metadata?.annotations?.["quickstack.dev/drill-rate"]).toBe("off");
    clock += 40 * DAY;
    const b = await scheduledRun();
    expect(await backups.runDueDrills(never, owns)).toEqual([]);
    expect((await backups.list(app)).find((r) => r.id === b)?.drill).toBeUndefined();
  });
});
