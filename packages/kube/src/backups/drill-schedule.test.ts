import { describe, expect, it } from "vitest";
import type { BackupRecord } from "@qs/core";
import { dueDrill, parseDrillRate } from "./drill-schedule.ts";

// When the control plane drills a schedule's backup (issue 18), on a fixed clock.
const at = (iso: string): Date => new Date(iso);
const run = (id: string, startedAt: string, more: Partial<BackupRecord> = {}): BackupRecord => ({ id, status: "succeeded", scheduled: true, startedAt, ...more });
const passed = (iso: string): BackupRecord["drill"] => ({ ok: true, at: iso });

describe("dueDrill", () => {
  it("drills the newest scheduled backup when nothing was drilled yet", () => {
    const records = [run("b2", "2026-03-10T03:00:00Z"), run("b1", "2026-03-09T03:00:00Z")];
    expect(dueDrill(records, "weekly", at("2026-03-10T03:10:00Z"))?.id).toBe("b2");
  });

  it("waits the rate after the last drill, then drills the newest scheduled backup", () => {
    const records = [run("b8", "2026-03-08T03:00:00Z"), run("b2", "2026-03-02T03:00:00Z"), run("b1", "2026-03-01T03:00:00Z", { drill: passed("2026-03-01T03:10:00Z") })];
    expect(dueDrill(records, "weekly", at("2026-03-02T03:10:00Z"))).toBeUndefined();
    expect(dueDrill(records, "weekly", at("2026-03-07T03:10:00Z"))).toBeUndefined();
    expect(dueDrill(records, "weekly", at("2026-03-08T03:10:00Z"))?.id).toBe("b8");
    expect(dueDrill(records, "daily", at("2026-03-02T03:10:00Z"))?.id).toBe("b8");
    expect(dueDrill(records, "monthly", at("2026-03-08T03:10:00Z"))).toBeUndefined();
    expect(dueDrill(records, "monthly", at("2026-03-31T03:10:00Z"))?.id).toBe("b8");
    expect(dueDrill(records, "off", at("2027-01-01T00:00:00Z"))).toBeUndefined();
  });

  it("a daily drill is not slipped a day by a run a few minutes later than yesterday's", () => {
    const records = [run("b2", "2026-03-02T03:00:00Z"), run("b1", "2026-03-01T03:00:00Z", { drill: passed("2026-03-01T03:20:00Z") })];
    expect(dueDrill(records, "daily", at("2026-03-02T03:05:00Z"))?.id).toBe("b2");
  });

  it("does not drill a running or failed newest run, one already drilled, or a manual backup", () => {
    expect(dueDrill([run("b2", "2026-03-10T03:00:00Z", { status: "running" }), run("b1", "2026-03-09T03:00:00Z")], "daily", at("2026-03-10T04:00:00Z"))).toBeUndefined();
    expect(dueDrill([run("b2", "2026-03-10T03:00:00Z", { status: "failed" }), run("b1", "2026-03-09T03:00:00Z")], "daily", at("2026-03-10T04:00:00Z"))).toBeUndefined();
    expect(dueDrill([run("b2", "2026-03-10T03:00:00Z", { drill: passed("2026-03-10T03:30:00Z") })], "daily", at("2026-03-20T04:00:00Z"))).toBeUndefined();
    const manualOnly = [run("m1", "2026-03-10T03:00:00Z", { scheduled: false })];
    expect(dueDrill(manualOnly, "daily", at("2026-03-10T04:00:00Z"))).toBeUndefined();
    // A backup:drill by hand counts as the last drill.
    const byHand = [run("m1", "2026-03-10T05:00:00Z", { scheduled: false, drill: passed("2026-03-10T05:10:00Z") }), run("b2", "2026-03-10T03:00:00Z")];
    expect(dueDrill(byHand, "weekly", at("2026-03-10T06:00:00Z"))).toBeUndefined();
  });

  it("runs started in the same second go by name (the CronJob's scheduled minute)", () => {
    const records = [run("shop-backup-29000001", "2026-03-10T03:00:00Z"), run("shop-backup-29000002", "2026-03-10T03:00:00Z")];
    expect(dueDrill(records, "weekly", at("2026-03-10T04:00:00Z"))?.id).toBe("shop-backup-29000002");
  });

  it("after a failed drill the next scheduled backup is drilled without waiting the rate", () => {
    const records = [run("b2", "2026-03-02T03:00:00Z"), run("b1", "2026-03-01T03:00:00Z", { drill: { ok: false, at: "2026-03-01T03:10:00Z", reason: "checksum mismatch" } })];
    expect(dueDrill(records, "weekly", at("2026-03-02T03:10:00Z"))?.id).toBe("b2");
  });
});

describe("parseDrillRate", () => {
  it("reads the CronJob's annotation; weekly when absent or unknown (schedules made before rates)", () => {
    expect(parseDrillRate({ "quickstack.dev/drill-rate": "daily" })).toBe("daily");
    expect(parseDrillRate({ "quickstack.dev/drill-rate": "off" })).toBe("off");
    expect(parseDrillRate(undefined)).toBe("weekly");
    expect(parseDrillRate({ "quickstack.dev/drill-rate": "hourly" })).toBe("weekly");
  });
});
