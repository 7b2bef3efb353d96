import { describe, expect, it } from "vitest";
import type { BackupHealth, BackupService } from "@qs/core";
import { admin, captureIO, fakeServices } from "../../../../test/support/fakes/index.ts";
import { runCommandLine } from "../dispatch.ts";

// apps:info shows whether the app's backups are in order (issue 18).
const never = new AbortController().signal;

async function info(health?: () => Promise<BackupHealth>): Promise<{ out: string; json: string }> {
  const backups = health === undefined ? undefined : ({ health } as unknown as BackupService);
  const { services } = fakeServices(backups === undefined ? {} : { backups });
  await services.apps.create("shop", "admin");
  const text = captureIO();
  await runCommandLine("apps:info shop", admin, text, services, never);
  const json = captureIO();
  await runCommandLine("apps:info shop --json", admin, json, services, never);
  return { out: text.out(), json: json.out() };
}

describe("apps:info backups line", () => {
  it("says FAILED or MISSED with the finding and schedule, and puts the health in --json", async () => {
    const failed: BackupHealth = { status: "failed", finding: "backup shop-backup-2 failed: Fatal: unable to open repository", schedule: "0 3 * * *" };
    const { out, json } = await info(() => Promise.resolve(failed));
    expect(out).toMatch(/^backups: +FAILED: backup shop-backup-2 failed: Fatal: unable to open repository \(schedule "0 3 \* \* \*" UTC\)$/m);
    expect(JSON.parse(json)).toMatchObject({ backups: failed });
    expect((await info(() => Promise.resolve({ status: "missed", finding: "no backup ran" }))).out).toMatch(/^backups: +MISSED: no backup ran$/m);
  });

  it("has no backups line without a backup service, and an unreadable one hides only that line", async () => {
    expect((await info()).out).not.toContain("backups:");
    const broken = await info(() => Promise.reject(new Error("API down")));
    expect(broken.out).not.toContain("backups:");
    expect(broken.out).toContain("name:");
  });
});
