import { describe, expect, it } from "vitest";
import { buildBackupCronJob } from "./backup-cronjob.ts";
import { buildBackupJob } from "./backup-job.ts";
import { backupNames, buildBackupSecret, buildBackupServiceAccount, resticRepository } from "./objects.ts";
import { backupRecord, contentsAnnotation, parseContents, parseDrillReport, parseRetention, retentionAnnotation } from "./records.ts";
import { dumpScript, loadScript, verifyScript } from "./addon-dumps.ts";
import { buildDrillJob, buildRestoreJob } from "./restore-job.ts";
import { backupScript, forgetFlags } from "./scripts.ts";

const image = "registry.example/backups/restic:0.18.0@sha256:abc";
const volumes = [
  { name: "data", claim: "shop-vol-data" },
  { name: "uploads", claim: "shop-vol-uploads" },
];
const env = { repository: "s3:http://s3:7070/b/p/shop", password: "PASSWORD-xyz", accessKey: "AKIA-xyz", secretKey: "SECRET-xyz", region: "us-east-1" };

describe("backup builders", () => {
  it("a backup Job mounts every volume, takes credentials only by Secret reference, and runs once", () => {
    const job = buildBackupJob("qs-app-shop", "shop-backup-20260101030000", { app: "shop", image, volumes, retention: { daily: 7 } });
    const pod = job.spec?.template.spec;
    const c = pod?.containers[0];
    expect(job.spec?.backoffLimit).toBe(0);
    expect(pod?.serviceAccountName).toBe(backupNames.serviceAccount());
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(c?.envFrom).toEqual([{ secretRef: { name: "qs-backup" } }]);
    expect(c?.volumeMounts?.map((m) => m.mountPath)).toEqual(["/data/data", "/data/uploads", "/meta", "/tmp"]);
    expect(pod?.volumes?.slice(0, 2).map((v) => v.persistentVolumeClaim?.claimName)).toEqual(["shop-vol-data", "shop-vol-uploads"]);
    expect(c?.securityContext?.capabilities?.drop).toEqual(["ALL"]);
    expect(c?.securityContext?.allowPrivilegeEscalation).toBe(false);
    // App namespaces enforce Pod Security "baseline": only these may be added (found on the real cluster).
    const baseline = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];
    expect(c?.securityContext?.capabilities?.add?.filter((cap) => !baseline.includes(cap))).toEqual([]);
    // The run's id comes from its own Job name, so CronJob runs are tagged alike.
    expect(c?.env?.find((e) => e.name === "QS_BACKUP_ID")?.valueFrom?.fieldRef?.fieldPath).toContain("job-name");
    expect(c?.command?.[2]).toContain("--keep-daily 7");
    expect(c?.command?.[2]).toContain("sha256sum");
    // A storage that keeps failing stops the run after this long, instead of restic's 15 minutes per request.
    const bounded = buildBackupJob("ns", "j", { app: "shop", image, volumes, retention: {}, storageTimeoutSeconds: 120 }).spec?.template.spec?.containers[0];
    expect(bounded?.env).toContainEqual({ name: "QS_STORAGE_TIMEOUT", value: "120" });
    expect(bounded?.command?.[2]).toContain("the backup storage stopped answering");
  });

  it("a schedule never overlaps itself and keeps its runs for the list", () => {
    const cron = buildBackupCronJob("qs-app-shop", { app: "shop", image, cron: "0 3 * * *", retention: {}, volumes });
    expect(cron.spec?.concurrencyPolicy).toBe("Forbid");
    expect(cron.spec?.schedule).toBe("0 3 * * *");
    expect(cron.spec?.timeZone).toBe("Etc/UTC");
    expect(cron.spec?.successfulJobsHistoryLimit).toBe(30);
    expect(cron.spec?.jobTemplate.spec.template.spec?.containers[0]?.command?.[2]).not.toContain("forget");
    expect(cron.metadata?.name).toBe("shop-backup");
  });

  it("restore and drill Jobs name the backup they read; a drill mounts no app volume", () => {
    const restore = buildRestoreJob("qs-app-copy", "copy-restore-1", { app: "copy", image, backupId: "shop-backup-1", volumes, secretName: "qs-backup-from-shop" });
    const rc = restore.spec?.template.spec?.containers[0];
    expect(rc?.env?.find((e) => e.name === "QS_BACKUP_ID")?.value).toBe("shop-backup-1");
    expect(rc?.envFrom).toEqual([{ secretRef: { name: "qs-backup-from-shop" } }]);
    expect(rc?.command?.[2]).toContain("restic restore latest");
    const drill = buildDrillJob("qs-drill-shop-1", "shop-drill-1", { app: "shop", image, backupId: "shop-backup-1" });
    expect(drill.spec?.template.spec?.volumes?.every((v) => v.persistentVolumeClaim === undefined)).toBe(true);
    expect(drill.spec?.template.spec?.containers[0]?.command?.[2]).toContain("sha256sum -c");
    // Busybox (the upstream Alpine image) has no sort -z nor sha256sum --quiet.
    expect(drill.spec?.template.spec?.containers[0]?.command?.[2]).not.toContain("--quiet");
    expect(backupScript("shop", {})).not.toMatch(/sort -z|xargs -0/);
  });

  it("no pod spec carries a credential; the Secret holds them as restic's environment", () => {
    const all = JSON.stringify([
      buildBackupJob("ns", "j", { app: "shop", image, volumes, retention: {} }),
      buildBackupCronJob("ns", { app: "shop", image, cron: "0 3 * * *", retention: {}, volumes }),
      buildRestoreJob("ns", "r", { app: "shop", image, backupId: "b", volumes }),
      buildBackupServiceAccount("ns", "shop"),
    ]);
    for (const secret of ["PASSWORD-xyz", "AKIA-xyz", "SECRET-xyz"]) expect(all).not.toContain(secret);
    expect(buildBackupSecret("ns", "shop", env).stringData).toEqual({
      RESTIC_REPOSITORY: env.repository,
      RESTIC_PASSWORD: env.password,
      AWS_ACCESS_KEY_ID: env.accessKey,
      AWS_SECRET_ACCESS_KEY: env.secretKey,
      AWS_DEFAULT_REGION: "us-east-1",
    });
  });

  it("the drill's scratch namespace is one the control plane's scope policy lets it write (qs-app-*)", () => {
    expect(backupNames.drillNamespace("shop", "20260101030000")).toBe("qs-app-drill-shop-20260101030000");
    expect(backupNames.drillNamespace("a".repeat(40), "20260101030000").length).toBeLessThanOrEqual(63);
  });

  it("one repository per app under the target", () => {
    expect(resticRepository({ url: "s3://b/qs/", endpoint: "http://10.42.0.1:7070/" }, "shop")).toBe("s3:http://10.42.0.1:7070/b/qs/shop");
    expect(resticRepository({ url: "s3://b", endpoint: "https://s3.example" }, "shop")).toBe("s3:https://s3.example/b/shop");
  });

  it("retention becomes restic forget flags and survives the CronJob annotation", () => {
    expect(forgetFlags({ daily: 7, weekly: 4, monthly: 6 })).toBe("--keep-daily 7 --keep-weekly 4 --keep-monthly 6");
    expect(forgetFlags({})).toBe("");
    expect(parseRetention(retentionAnnotation({ daily: 7, monthly: 0 }))).toEqual({ daily: 7, monthly: 0 });
    expect(parseRetention({ "quickstack.dev/retention": "{bad" })).toEqual({});
    expect(backupScript("shop", { weekly: 4 })).toContain("restic forget --host qs --tag qs-app=shop --group-by host --keep-weekly 4 --prune");
  });

  it("a record reads size and snapshot from the summary and the reason from a failure", () => {
    const job = {
      metadata: { name: "shop-backup-1", ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "shop-backup", uid: "u" }] },
      status: { startTime: "2026-01-01T03:00:00Z", completionTime: "2026-01-01T03:00:42Z" },
    };
    const summary = JSON.stringify({ message_type: "summary", snapshot_id: "abc123", total_bytes_processed: 2048, data_added: 100 });
    expect(backupRecord(job, { ok: true, message: summary })).toEqual({
      id: "shop-backup-1",
      status: "succeeded",
      scheduled: true,
      startedAt: "2026-01-01T03:00:00Z",
      durationSeconds: 42,
      sizeBytes: 2048,
      addedBytes: 100,
      snapshot: "abc123",
    });
    const putOff = `${summary}\n{"qs_prune_skipped":"unable to create lock in backend: repository is already locked by PID 7 on bk-1"}`;
    expect(backupRecord(job, { ok: true, message: putOff })).toMatchObject({
      status: "succeeded",
      snapshot: "abc123",
      pruneSkipped: "unable to create lock in backend: repository is already locked by PID 7 on bk-1",
    });
    expect(backupRecord(job, { ok: true, message: summary }).pruneSkipped).toBeUndefined();
    expect(backupRecord({ metadata: { name: "x" } }, { ok: false, message: "Fatal: wrong password" })).toMatchObject({ status: "failed", reason: "Fatal: wrong password", scheduled: false });
    expect(backupRecord({ metadata: { name: "x" } }, undefined).status).toBe("running");
  });
});

describe("database add-ons in backup runs", () => {
  const db = { name: "db", kind: "postgres" as const, image: "registry.example/postgres:15", owner: "shop" };
  const cache = { name: "cache", kind: "redis" as const, image: "registry.example/redis:7", owner: "shop" };

  it("a backup dumps each add-on first, with its own image and user, the password only by Secret reference", () => {
    const pod = buildBackupJob("qs-app-shop", "b", { app: "shop", image, volumes, retention: {}, addons: [db, cache] }).spec?.template.spec;
    expect(pod?.initContainers?.map((c) => c.name)).toEqual(["dump-db", "dump-cache"]);
    expect(pod?.containers.map((c) => c.name)).toEqual(["restic"]);
    const dump = pod?.initContainers?.[0];
    expect(dump?.image).toBe(db.image);
    expect(dump?.securityContext).toMatchObject({ runAsUser: 999, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(dump?.env).toContainEqual({ name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "addon-db", key: "password" } } });
    expect(dump?.env).toContainEqual({ name: "QS_ADDON_HOST", value: "addon-db.qs-app-shop.svc" });
    expect(dump?.command?.[2]).toContain("pg_dump");
    expect(pod?.initContainers?.[1]?.command?.[2]).toContain("--rdb");
    // restic backs the dumps up from the same emptyDir.
    expect(pod?.containers[0]?.volumeMounts).toContainEqual({ name: "dump", mountPath: "/dump" });
    expect(pod?.volumes).toContainEqual({ name: "dump", emptyDir: {} });
  });

  it("a restore runs restic first and loads each dump after; a drill verifies each in a scratch server", () => {
    const restore = buildRestoreJob("qs-app-copy", "r", { app: "copy", image, backupId: "b", volumes, addons: [{ ...db, owner: "copy" }] }).spec?.template.spec;
    expect(restore?.initContainers?.map((c) => c.name)).toEqual(["restic"]);
    expect(restore?.containers.map((c) => c.name)).toEqual(["load-db"]);
    expect(restore?.containers[0]?.env).toContainEqual({ name: "QS_ADDON_HOST", value: "addon-db.qs-app-copy.svc" });
    expect(restore?.initContainers?.[0]?.command?.[2]).toContain("--include /dump");
    const drill = buildDrillJob("qs-app-drill-shop-1", "d", { app: "shop", image, backupId: "b", addons: [db, cache] }).spec?.template.spec;
    expect([...(drill?.initContainers ?? []), ...(drill?.containers ?? [])].map((c) => c.name)).toEqual(["restic", "verify-db", "verify-cache"]);
    // A drill talks to no live server: no host, no password.
    expect(JSON.stringify(drill?.containers)).not.toMatch(/PASSWORD|QS_ADDON_HOST/);
    expect(drill?.volumes).toContainEqual({ name: "scratch-db", emptyDir: {} });
    expect(drill?.volumes?.every((v) => v.persistentVolumeClaim === undefined)).toBe(true);
  });

  it("the scripts count rows from the dump itself and compare them after loading", () => {
    expect(dumpScript("postgres")).toMatch(/COPY .* FROM stdin/);
    expect(dumpScript("mariadb")).toContain("--skip-extended-insert");
    // Credentials are never on a command line of the dump or load.
    for (const s of [dumpScript("postgres"), dumpScript("mariadb"), loadScript("postgres"), loadScript("mariadb")]) expect(s).not.toMatch(/(-p|--password[= ]?)"?\$\w*PASSWORD/);
    expect(verifyScript("postgres", "/restore")).toContain('SELECT count(*) FROM $t');
    expect(verifyScript("postgres", "/restore")).toContain("at backup time");
    expect(loadScript("postgres")).toContain("--single-transaction");
  });

  it("contents and drill reports survive their annotation and termination message", () => {
    expect(parseContents(contentsAnnotation([{ name: "data" }], [db]))).toEqual({ volumes: ["data"], addons: [{ name: "db", kind: "postgres", image: db.image }] });
    // Jobs from before add-ons were backed up held volumes only.
    expect(parseContents(undefined)).toEqual({ volumes: ["*"], addons: [] });
    expect(parseDrillReport('{"files":4}\n{"addon":"db","kind":"postgres","tables":2,"rows":7}\n')).toEqual({ files: 4, databases: [{ addon: "db", kind: "postgres", tables: 2, rows: 7 }] });
  });
});
