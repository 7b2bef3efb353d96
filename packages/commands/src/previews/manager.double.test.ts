import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@qs/core";
import { type DeployHarness, startDeployHarness } from "../../../../test/e2e/deploy/harness.ts";
import { createPreviewManager } from "./manager.ts";
import { startPreviewSweeper } from "./sweeper.ts";

// The preview manager against the API double, with a clock the test moves.

let h: DeployHarness;
beforeAll(async () => {
  h = await startDeployHarness();
});
afterAll(async () => {
  await h.close();
});

const HOUR = 3600_000;

async function parentWithPreviews(ttlSeconds = 3600, limit = 5): Promise<string> {
  const parent = h.appName("pv");
  await h.apps.create(parent, "alice", { previews: { ttlSeconds, limit, addons: "none" } });
  return parent;
}

describe("preview TTL sweep", () => {
  it("destroys a preview idle past the TTL, keeps one pushed since, and leaves other apps alone", async () => {
    let now = Date.parse("2026-03-01T00:00:00Z");
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger, now: () => now });
    const parent = await parentWithPreviews(3600);
    const idle = await m.prepare(parent, "feature/idle", "alice");
    now += HOUR / 2;
    const busy = await m.prepare(parent, "feature/busy", "alice");
    expect(await m.sweep()).toEqual([]);

    now += HOUR / 2 + 1; // idle: 1 h + 1 ms since its push; busy: 30 min + 1 ms
    expect(await m.sweep()).toEqual([idle]);
    const names = (await h.apps.list()).map((a) => a.name);
    expect(names).toContain(parent);
    expect(names).toContain(busy);
    expect(names).not.toContain(idle);

    // A push resets the clock of a preview.
    now += HOUR / 2;
    expect(await m.prepare(parent, "feature/busy", "alice")).toBe(busy);
    now += HOUR - 1;
    expect(await m.sweep()).toEqual([]);
    now += 2;
    expect(await m.sweep()).toEqual([busy]);
  });

  it("destroys previews whose parent is gone", async () => {
    const now = Date.parse("2026-03-01T00:00:00Z");
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger, now: () => now });
    const parent = await parentWithPreviews();
    const orphan = await m.prepare(parent, "x", "alice");
    await h.apps.destroy(parent);
    expect(await m.sweep()).toContain(orphan);
  });

  it("the control plane's sweeper runs the sweep now and every interval, and stops on close", async () => {
    let sweeps = 0;
    const sweeper = startPreviewSweeper({
      sweep: () => {
        sweeps++;
        return Promise.resolve(sweeps === 2 ? Promise.reject(new Error("api down")) : []);
      },
      logger: silentLogger,
      intervalMs: 20,
    });
    await new Promise((r) => setTimeout(r, 150));
    await sweeper.close();
    const after = sweeps;
    expect(after).toBeGreaterThanOrEqual(3); // kept going after the failed one
    await new Promise((r) => setTimeout(r, 60));
    expect(sweeps).toBe(after);
  });
});

describe("preview names and config", () => {
  it("gives two branches that slug alike different apps, each with the parent's config", async () => {
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger });
    const parent = await parentWithPreviews();
    await h.config.update(parent, () => ({ GREETING: "hi" }));
    const a = await m.prepare(parent, "feature/login", "alice");
    const b = await m.prepare(parent, "feature-login", "alice");
    expect(a).toBe(`${parent}--feature-login`);
    expect(b).not.toBe(a);
    expect(await m.prepare(parent, "feature-login", "alice")).toBe(b);
    expect(await h.config.get(b ?? "")).toEqual({ GREETING: "hi" });
    expect(await m.remove(parent, "feature/login")).toBe(a);
    expect(await m.remove(parent, "feature/login")).toBeUndefined();
  });

  it("does nothing for an app without previews", async () => {
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger });
    const plain = h.appName("plain");
    await h.apps.create(plain, "alice");
    expect(await m.prepare(plain, "feature/x", "alice")).toBeUndefined();
  });
});
