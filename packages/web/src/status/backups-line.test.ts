import { describe, expect, it } from "vitest";
import { defaultAppSpec, type App, type BackupHealth } from "@qs/core";
import { CookieClient, createMemoryMetricStore, createPagesHarness, sampleApp } from "../../../../test/support/fakes/web/index.ts";
import { createStatusSource } from "./status-source.ts";

// The app page's backups line (issue 18): a failed or missed backup is visible at a glance.
const users = [{ name: "dave", role: "developer" as const, password: "dave-pw-1" }];
const missed: BackupHealth = { status: "missed", finding: "no backup ran for the scheduled time 2026-03-10T03:00:00.000Z (cron \"0 3 * * *\" UTC)", schedule: "0 3 * * *" };

async function appPage(backups?: BackupHealth): Promise<string> {
  const h = await createPagesHarness({ users, apps: [sampleApp("shop", backups === undefined ? {} : { backups })], grants: { dave: ["shop"] } });
  const client = new CookieClient(h.app);
  await client.login({ user: "dave", password: "dave-pw-1" });
  return (await client.request("/apps/shop")).text();
}

describe("app page backups line", () => {
  it("shows a missed or failed backup in red, an ok one in green, nothing without backups", async () => {
    expect(await appPage(missed)).toContain('<tr id="backups"><th scope="row">Backups</th><td class="bad">MISSED: no backup ran for the scheduled time 2026-03-10T03:00:00.000Z (cron &quot;0 3 * * *&quot; UTC)</td></tr>');
    expect(await appPage({ status: "failed", finding: "backup b2 failed: <Fatal>" })).toContain('<td class="bad">FAILED: backup b2 failed: &lt;Fatal&gt;</td>');
    expect(await appPage({ status: "ok", finding: "last backup b3 succeeded" })).toContain('<td class="ok">last backup b3 succeeded</td>');
    expect(await appPage()).not.toContain('id="backups"');
  });

  it("the status source asks the backup service, and a failing one hides only the line", async () => {
    const app: App = { name: "shop", spec: { ...defaultAppSpec(), processes: { web: { replicas: 1 } } }, status: { conditions: [] }, version: "1", createdAt: "2026-11-01T00:00:00Z" };
    const source = (health: () => Promise<BackupHealth>) =>
      createStatusSource({
        apps: { list: () => Promise.resolve([app]), get: () => Promise.resolve(app) },
        releases: { list: () => Promise.resolve([]) },
        config: { get: () => Promise.resolve({}) },
        ops: { ps: () => Promise.resolve([]), logs: () => Promise.resolve() },
        nodes: { list: () => Promise.resolve([]) },
        access: { canAccessApp: () => Promise.resolve(true) },
        metrics: createMemoryMetricStore(),
        backups: { health },
      });
    const principal = { user: "dave", role: "developer" as const };
    expect((await source(() => Promise.resolve(missed)).getApp(principal, "shop")).backups).toEqual(missed);
    const broken = await source(() => Promise.reject(new Error("API down"))).getApp(principal, "shop");
    expect(broken.backups).toBeUndefined();
    expect(broken.name).toBe("shop");
  });
});
