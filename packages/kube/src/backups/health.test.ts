import { describe, expect, it } from "vitest";
import type { BackupRecord } from "@qs/core";
import { judgeBackups } from "../doctor/backups-check.ts";
import type { CronJob } from "./backup-job.ts";
import { jobOnlyRecord, judgeBackupHealth, previousCronTime, uncoveredBySchedule } from "./health.ts";

const at = (iso: string): Date => new Date(iso);
const ok = (id: string, startedAt: string, drill?: BackupRecord["drill"]): BackupRecord => ({ id, status: "succeeded", scheduled: true, startedAt, ...(drill === undefined ? {} : { drill }) });

describe("previousCronTime", () => {
  it("finds the latest firing at or before a time, for the schedules backups:schedule writes", () => {
    expect(previousCronTime("0 3 * * *", at("2026-03-10T02:59:00Z"))?.toISOString()).toBe("2026-03-09T03:00:00.000Z");
    expect(previousCronTime("0 3 * * *", at("2026-03-10T03:00:00Z"))?.toISOString()).toBe("2026-03-10T03:00:00.000Z");
    expect(previousCronTime("0 * * * *", at("2026-03-10T10:59:59Z"))?.toISOString()).toBe("2026-03-10T10:00:00.000Z");
    // Sunday 04:30 (2026-03-08 is a Sunday), asked on Tuesday.
    expect(previousCronTime("30 4 * * 0", at("2026-03-10T12:00:00Z"))?.toISOString()).toBe("2026-03-08T04:30:00.000Z");
    // Monthly on the 1st, asked mid-month and across a year.
    expect(previousCronTime("0 3 1 * *", at("2026-01-15T00:00:00Z"))?.toISOString()).toBe("2026-01-01T03:00:00.000Z");
    expect(previousCronTime("0 3 1 * *", at("2026-01-01T02:00:00Z"))?.toISOString()).toBe("2025-12-01T03:00:00.000Z");
    // Steps, ranges and lists; both day fields restricted means either (cron's rule).
    expect(previousCronTime("*/15 8-9 * * *", at("2026-03-10T09:44:00Z"))?.toISOString()).toBe("2026-03-10T09:30:00.000Z");
    expect(previousCronTime("0 0 13 * 5", at("2026-03-10T12:00:00Z"))?.toISOString()).toBe("2026-03-06T00:00:00.000Z");
    expect(previousCronTime("0 0 30 2 *", at("2026-03-10T12:00:00Z"))).toBeUndefined();
  });
});

describe("backup health", () => {
  const schedule = { cron: "0 3 * * *", since: "2026-03-01T00:00:00Z" };

  it("ok when the newest run succeeded after the last scheduled time", () => {
    const h = judgeBackupHealth({ records: [ok("b2", "2026-03-10T03:00:05Z", { ok: true, at: "2026-03-10T04:00:00Z" }), ok("b1", "2026-03-09T03:00:04Z")], schedule, now: at("2026-03-10T12:00:00Z") });
    expect(h).toMatchObject({ status: "ok", schedule: "0 3 * * *", last: { id: "b2", status: "succeeded" } });
    expect(h.finding).toContain("drill passed");
  });

  it("failed when the newest finished run failed, with its reason, even if an older one succeeded", () => {
    const records: BackupRecord[] = [{ id: "b2", status: "failed", scheduled: true, startedAt: "2026-03-10T03:00:05Z", reason: "Fatal: unable to open repository" }, ok("b1", "2026-03-09T03:00:04Z")];
    const h = judgeBackupHealth({ records, schedule, now: at("2026-03-10T12:00:00Z") });
    expect(h.status).toBe("failed");
    expect(h.finding).toContain("Fatal: unable to open repository");
  });

  it("failed when the newest backup's drill failed", () => {
    const h = judgeBackupHealth({ records: [ok("b1", "2026-03-10T03:00:05Z", { ok: false, at: "2026-03-10T04:00:00Z", reason: "checksum mismatch" })], now: at("2026-03-10T12:00:00Z") });
    expect(h.status).toBe("failed");
    expect(h.finding).toContain("checksum mismatch");
  });

  it("failed when the latest drill (of an older run) failed, until a later drill passes", () => {
    const failedDrill = { ok: false, at: "2026-03-10T04:00:00Z", reason: "checksum mismatch in data/a.txt" };
    const records = [ok("b2", "2026-03-11T03:00:05Z"), ok("b1", "2026-03-10T03:00:05Z", failedDrill)];
    const h = judgeBackupHealth({ records, now: at("2026-03-11T12:00:00Z") });
    expect(h.status).toBe("failed");
    expect(h.finding).toContain("the drill of backup b1 failed");
    const passed = [ok("b2", "2026-03-11T03:00:05Z", { ok: true, at: "2026-03-11T04:00:00Z" }), ok("b1", "2026-03-10T03:00:05Z", failedDrill)];
    expect(judgeBackupHealth({ records: passed, now: at("2026-03-11T12:00:00Z") }).status).toBe("ok");
  });

  it("missed when a scheduled time went by (past the grace) with no run, not before", () => {
    const records = [ok("b1", "2026-03-09T03:00:04Z")];
    expect(judgeBackupHealth({ records, schedule, now: at("2026-03-10T03:05:00Z") }).status).toBe("ok");
    const missed = judgeBackupHealth({ records, schedule, now: at("2026-03-10T03:30:00Z") });
    expect(missed.status).toBe("missed");
    expect(missed.finding).toContain("2026-03-10T03:00:00.000Z");
    // A schedule made after that time has missed nothing; a manual run after it counts.
    expect(judgeBackupHealth({ records: [], schedule: { cron: "0 3 * * *", since: "2026-03-10T05:00:00Z" }, now: at("2026-03-10T12:00:00Z") }).status).toBe("none");
    expect(judgeBackupHealth({ records: [{ ...ok("m", "2026-03-10T08:00:00Z"), scheduled: false }, ...records], schedule, now: at("2026-03-10T12:00:00Z") }).status).toBe("ok");
    // A run that is still going (Forbid makes the next one skip) is not missed yet.
    expect(judgeBackupHealth({ records: [{ id: "b2", status: "running", scheduled: true, startedAt: "2026-03-10T03:00:02Z" }, ...records], schedule, now: at("2026-03-10T04:00:00Z") }).status).toBe("ok");
  });

  it("incomplete when the schedule leaves out a volume or add-on the app has now", () => {
    const scheduled = { volumes: ["data"], addons: [{ name: "db", kind: "postgres" as const, image: "pg" }] };
    expect(uncoveredBySchedule(scheduled, { volumes: ["data", "uploads"], addons: ["db", "cache"] })).toEqual(["volume uploads", "add-on cache"]);
    expect(uncoveredBySchedule(scheduled, { volumes: ["data"], addons: ["db"] })).toEqual([]);
    // A schedule from before contents were recorded held every volume.
    expect(uncoveredBySchedule({ volumes: ["*"], addons: [] }, { volumes: ["data"], addons: [] })).toEqual([]);
    const h = judgeBackupHealth({ records: [ok("b1", "2026-03-10T03:00:05Z")], schedule, uncovered: ["add-on cache"], now: at("2026-03-10T12:00:00Z") });
    expect(h.status).toBe("incomplete");
    expect(h.finding).toContain("add-on cache");
    expect(h.finding).toContain("backups:schedule again");
    // A failure still comes first.
    expect(judgeBackupHealth({ records: [{ id: "b2", status: "failed", startedAt: "2026-03-10T03:00:05Z" }], schedule, uncovered: ["add-on cache"], now: at("2026-03-10T12:00:00Z") }).status).toBe("failed");
  });

  it("none without schedule or runs", () => {
    expect(judgeBackupHealth({ records: [], now: at("2026-03-10T12:00:00Z") })).toEqual({ status: "none", finding: "no backups" });
  });
});

describe("doctor's backups check", () => {
  const labels = (app: string, kind: string): Record<string, string> => ({ "quickstack.dev/app": app, "quickstack.dev/backup": kind });
  const cron = (app: string): CronJob => ({ metadata: { name: `${app}-backup`, labels: labels(app, "schedule"), creationTimestamp: "2026-03-01T00:00:00Z" }, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: {} } } } });
  const job = (app: string, name: string, start: string, type: "Complete" | "Failed") => ({
    metadata: { name, labels: labels(app, "backup") },
    status: { startTime: start, conditions: [{ type, status: "True", lastTransitionTime: start }] },
  });

  it("fails on a failed run, warns on a missed one, names the app and what to run", () => {
    const now = at("2026-03-10T12:00:00Z");
    expect(judgeBackups([cron("shop")], [job("shop", "shop-backup-2", "2026-03-10T03:00:03Z", "Complete")], now)).toEqual({ status: "ok", finding: "1 app backed up, all in order" });
    const failed = judgeBackups([cron("shop"), cron("blog")], [job("shop", "shop-backup-2", "2026-03-10T03:00:03Z", "Failed"), job("blog", "blog-backup-1", "2026-03-08T03:00:03Z", "Complete")], now);
    expect(failed.status).toBe("fail");
    expect(failed.finding).toMatch(/^shop: backup shop-backup-2 failed .*\(and 1 more\)$/);
    expect(failed.fix).toContain("ssh qs backups shop");
    const missed = judgeBackups([cron("blog")], [job("blog", "blog-backup-1", "2026-03-08T03:00:03Z", "Complete")], now);
    expect(missed.status).toBe("warn");
    expect(missed.fix).toContain("backups:create blog");
    expect(judgeBackups([], [], now)).toEqual({ status: "ok", finding: "no app is backed up" });
    // An add-on created after the schedule: its Jobs do not dump it.
    const addon = { metadata: { name: "addon-cache", labels: { "quickstack.dev/app": "shop", "quickstack.dev/addon": "cache" } } };
    const incomplete = judgeBackups([cron("shop")], [job("shop", "shop-backup-2", "2026-03-10T03:00:03Z", "Complete")], now, [addon]);
    expect(incomplete.status).toBe("warn");
    expect(incomplete.finding).toContain("add-on cache");
    expect(incomplete.fix).toContain("backups:schedule shop");
  });

  it("reads a run's status and drill from its Job alone", () => {
    const j = { ...job("shop", "b", "2026-03-10T03:00:03Z", "Complete"), metadata: { name: "b", annotations: { "quickstack.dev/drill": '{"ok":false,"at":"2026-03-10T04:00:00Z","reason":"x"}' } } };
    expect(jobOnlyRecord(j)).toEqual({ id: "b", status: "succeeded", startedAt: "2026-03-10T03:00:03Z", drill: { ok: false, at: "2026-03-10T04:00:00Z", reason: "x" } });
    expect(jobOnlyRecord({ metadata: { name: "r" } }).status).toBe("running");
  });
});
