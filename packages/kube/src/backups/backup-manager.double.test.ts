import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackupService, type QsError, appNamespace } from "@qs/core";
import { type DeployHarness, startDeployHarness } from "../../../../test/e2e/deploy/harness.ts";
import { isNotFound } from "../apis.ts";
import type { CronJob } from "./backup-job.ts";
import { createBackupManager } from "./backup-manager.ts";

// The manager's refusals and the schedule it writes, on the API double: bad requests say
// what to do and leave nothing behind.
let h: DeployHarness;
let backups: BackupService;
const system = "qs-backup-test-system";
const never = new AbortController().signal;
const code = (p: Promise<unknown>): Promise<string> => p.then(() => "resolved", (err: unknown) => (err as QsError).code);

beforeAll(async () => {
  h = await startDeployHarness();
  await h.apis.namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: system } });
  backups = createBackupManager({ apis: h.apis, apps: h.apps }, { image: "restic:test", namespace: system, pollMs: 50, timeoutMs: 2_000 });
});
afterAll(async () => {
  await h.close();
});

const jobsOf = async (app: string): Promise<number> => (await h.apis.jobs.list(appNamespace(app))).items.length;

describe("backup manager refusals", () => {
  it("an app without volumes is refused with how to add one, and no Job is made", async () => {
    const app = h.appName("bk");
    await h.apps.create(app, "alice");
    expect(await code(backups.create(app, never))).toBe("NO_VOLUMES");
    expect(await jobsOf(app)).toBe(0);
  });

  it("without a target nothing runs and the error names backups:target-set", async () => {
    const app = h.appName("bk");
    await h.apps.create(app, "alice", { volumes: [{ name: "data", mountPath: "/data", size: "1Gi" }] });
    const err = (await backups.create(app, never).then(
      () => undefined,
      (e: unknown) => e as QsError,
    )) as QsError;
    expect(err.code).toBe("BACKUP_TARGET_NOT_SET");
    expect(err.hint).toContain("backups:target-set");
    expect(await jobsOf(app)).toBe(0);
    expect(await code(backups.restore(app, "nope", app, never))).toBe("BACKUP_NOT_FOUND");
    expect(await code(backups.drill(app, never))).toBe("NO_BACKUP");
  });

  it("a schedule is one CronJob (replaced, not duplicated) that forbids overlap; keys stay in the Secret", async () => {
    const app = h.appName("bk");
    await h.apps.create(app, "alice", { volumes: [{ name: "data", mountPath: "/data", size: "1Gi" }] });
    await h.apis.secrets.create(system, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "qs-backup-target", namespace: system },
      stringData: { url: "s3://b/p", endpoint: "http://s3.test:7070", region: "us-east-1", accessKey: "AKIA-double", secretKey: "SECRET-double" },
    });
    await backups.schedule(app, "0 3 * * *", { daily: 7 });
    await backups.schedule(app, "30 4 * * 0", { weekly: 4 });
    const cronJobs = (await h.apis.custom<CronJob>("batch/v1", "cronjobs").list(appNamespace(app))).items;
    expect(cronJobs).toHaveLength(1);
    expect(cronJobs[0]?.spec?.schedule).toBe("30 4 * * 0");
    expect(cronJobs[0]?.spec?.concurrencyPolicy).toBe("Forbid");
    expect(JSON.stringify(cronJobs[0])).toContain("--keep-weekly 4");
    expect(JSON.stringify(cronJobs[0])).not.toMatch(/SECRET-double|AKIA-double/);
    const secret = await h.apis.secrets.read(appNamespace(app), "qs-backup");
    expect(Buffer.from(secret.data?.RESTIC_REPOSITORY ?? "", "base64").toString()).toBe(`s3:http://s3.test:7070/b/p/${app}`);
    // The installation key was made once, in the system namespace.
    const key = await h.apis.secrets.read(system, "qs-backup-key");
    expect(Buffer.from(key.data?.password ?? "", "base64").length).toBeGreaterThanOrEqual(32);
    expect(await h.apis.custom("v1", "serviceaccounts").read(appNamespace(app), "qs-backup").then(() => true, (e: unknown) => !isNotFound(e))).toBe(true);
  });

  it("a hook is stored on the App and rendered into the schedule's runs; --off takes it out; the CRD refuses a bad one", async () => {
    const app = h.appName("bk");
    await h.apps.create(app, "alice", { volumes: [{ name: "data", mountPath: "/data", size: "1Gi" }] });
    // No schedule yet: only the spec changes.
    expect(await backups.setHook(app, { path: "/internal/pre-backup", timeoutSeconds: 30 })).toEqual({ scheduleUpdated: false });
    expect((await h.apps.get(app)).spec.backupHook).toEqual({ path: "/internal/pre-backup", timeoutSeconds: 30 });
    const cronJobs = h.apis.custom<CronJob>("batch/v1", "cronjobs");
    const steps = async (): Promise<string[]> => ((await cronJobs.read(appNamespace(app), `${app}-backup`)).spec?.jobTemplate.spec.template.spec?.initContainers ?? []).map((c) => c.name);
    await backups.schedule(app, "0 3 * * *", { daily: 7 }, "monthly");
    expect(await steps()).toEqual(["pre-backup-hook"]);
    // Changing the hook renders the CronJob again, keeping its schedule, retention and drill rate.
    expect(await backups.setHook(app, { path: "/v2/pre-backup", timeoutSeconds: 5 })).toEqual({ scheduleUpdated: true });
    const cron = await cronJobs.read(appNamespace(app), `${app}-backup`);
    expect(cron.spec?.jobTemplate.spec.template.spec?.initContainers?.[0]?.env).toContainEqual({ name: "QS_HOOK_PATH", value: "/v2/pre-backup" });
    expect(cron.spec?.schedule).toBe("0 3 * * *");
    expect(JSON.stringify(cron)).toContain("--keep-daily 7");
    expect(cron.metadata?.annotations?.["quickstack.dev/drill-rate"]).toBe("monthly");
    await backups.setHook(app, undefined);
    expect(await steps()).toEqual([]);
    expect((await h.apps.get(app)).spec.backupHook).toBeUndefined();
    // Written past the command layer, a path with a space is refused by the App's schema.
    const bad = await h.apps.update(app, (spec) => ({ ...spec, backupHook: { path: "/a b", timeoutSeconds: 30 } })).then(() => "stored", (err: unknown) => String(err));
    expect(bad).not.toBe("stored");
    expect((await h.apps.get(app)).spec.backupHook).toBeUndefined();
  });
});
