import { describe, expect, it } from "vitest";
import type { BackupRecord, BackupService, DrillRate } from "@qs/core";
import { admin, captureIO, fakeServices } from "../../../../test/support/fakes/index.ts";
import { runCommandLine } from "../dispatch.ts";

// backups:schedule --drill (issue 18): the rate reaches the service, weekly by default; a
// rate it does not know is refused before anything is scheduled. `backups APP` shows each
// backup's last drill beside it.
const never = new AbortController().signal;

async function withBackups(records: BackupRecord[] = []): Promise<{ calls: { app: string; cron: string; drill: DrillRate | undefined }[]; run: (line: string) => Promise<{ out: string; err: string; code: number }> }> {
  const calls: { app: string; cron: string; drill: DrillRate | undefined }[] = [];
  const backups = {
    schedule: (app: string, cron: string, _retention: unknown, drill?: DrillRate) => {
      calls.push({ app, cron, drill });
      return Promise.resolve();
    },
    list: () => Promise.resolve(records),
  } as unknown as BackupService;
  const { services } = fakeServices({ backups });
  await services.apps.create("shop", "admin");
  return {
    calls,
    run: async (line) => {
      const io = captureIO();
      const code = await runCommandLine(line, admin, io, services, never);
      return { out: io.out(), err: io.err(), code };
    },
  };
}

describe("backups:schedule --drill", () => {
  it("passes the rate on, weekly when not given, and says so", async () => {
    const b = await withBackups();
    const plain = await b.run('backups:schedule shop "daily 03:00"');
    expect(plain.out).toContain("drilled weekly");
    await b.run('backups:schedule shop "daily 03:00" --drill daily');
    await b.run('backups:schedule shop "daily 03:00" --drill off');
    expect(b.calls.map((c) => c.drill)).toEqual(["weekly", "daily", "off"]);
  });

  it("refuses --drill hourly with the rates it takes, and schedules nothing", async () => {
    const b = await withBackups();
    const refused = await b.run('backups:schedule shop "daily 03:00" --drill hourly');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain("--drill hourly is not a drill rate");
    expect(refused.err).toContain("daily, weekly, monthly, off");
    expect(b.calls).toEqual([]);
  });
});

describe("backups APP", () => {
  it("shows each backup's last drill beside it, a failed one with its reason", async () => {
    const b = await withBackups([
      { id: "shop-backup-2", status: "succeeded", scheduled: true, startedAt: "2026-03-10T03:00:00Z", drill: { ok: false, at: "2026-03-10T03:20:00Z", reason: "checksum mismatch: data/a.txt" } },
      { id: "shop-backup-1", status: "succeeded", scheduled: true, startedAt: "2026-03-03T03:00:00Z", drill: { ok: true, at: "2026-03-03T03:20:00Z" } },
    ]);
    const { out } = await b.run("backups shop");
    expect(out).toMatch(/shop-backup-2 \(scheduled\).*FAILED 2026-03-10T03:20:00Z: checksum mismatch: data\/a\.txt/);
    expect(out).toMatch(/shop-backup-1 \(scheduled\).*ok 2026-03-03T03:20:00Z/);
  });
});
