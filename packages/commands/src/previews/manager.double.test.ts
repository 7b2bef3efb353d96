import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace, silentLogger } from "@qs/core";
import { addonNames, createAddonManager, orUndefined, retryOnConflict } from "@qs/kube";
import { type DeployHarness, startDeployHarness } from "../../../../test/e2e/deploy/harness.ts";
import { createPreviewManager, previewsOf } from "./manager.ts";
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
    const names = (await h.apps.list()).filter((a) => a.deletingSince === undefined).map((a) => a.name);
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
    // A control plane sharing the cluster sweeps only the apps it owns.
    expect(await m.sweep((a) => a !== orphan)).not.toContain(orphan);
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

  it("a preview still being destroyed is gone: not found again, not swept, not counted", async () => {
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger });
    const parent = await parentWithPreviews(3600, 1);
    const a = (await m.prepare(parent, "feature/slow", "alice")) ?? "";
    // A finalizer of the test's own holds the App the way its dependents do on a busy cluster.
    const hold = { metadata: { finalizers: ["test.quickstack.dev/hold"] } };
    await h.apis.custom("quickstack.dev/v1alpha1", "apps").patch(appNamespace(a), a, hold, "merge");
    try {
      expect(await m.remove(parent, "feature/slow")).toBe(a);
      expect((await h.apps.get(a)).deletingSince).toBeDefined();
      expect(await m.remove(parent, "feature/slow")).toBeUndefined();
      expect(await m.sweep()).not.toContain(a);
      // The limit (1) counts live previews only; the new one takes a name of its own.
      const b = await m.prepare(parent, "feature/slow", "alice");
      expect(b).toBeDefined();
      expect(b).not.toBe(a);
    } finally {
      const apps = h.apis.custom<{ metadata: { finalizers?: string[] } }>("quickstack.dev/v1alpha1", "apps");
      await retryOnConflict("release the hold", async () => {
        const obj = await apps.read(appNamespace(a), a);
        const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== hold.metadata.finalizers[0]);
        return apps.replace(appNamespace(a), a, { ...obj, metadata: { ...obj.metadata, finalizers } });
      });
    }
  });

  it("does nothing for an app without previews", async () => {
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger });
    const plain = h.appName("plain");
    await h.apps.create(plain, "alice");
    expect(await m.prepare(plain, "feature/x", "alice")).toBeUndefined();
  });
});

describe("preview add-ons (--addons fresh|shared)", () => {
  const addons = () => createAddonManager(h.apis, { readyTimeoutMs: 30_000 });

  /** A parent with previews and a postgres add-on attached as DATABASE. */
  async function parentWithDatabase(mode: "fresh" | "shared"): Promise<{ parent: string; url: string }> {
    const parent = h.appName("pa");
    await h.apps.create(parent, "alice", { previews: { ttlSeconds: 3600, limit: 5, addons: mode } });
    await addons().create(parent, { name: "db", kind: "postgres", version: "17", size: "1Gi" });
    await addons().waitReady(parent, "db");
    const url = await addons().url(parent, "db");
    await h.apps.update(parent, (spec) => ({ ...spec, addons: [{ name: "db", owner: parent, as: "DATABASE" }] }));
    await h.config.update(parent, () => ({ DATABASE_URL: url, GREETING: "hi" }));
    return { parent, url };
  }

  it("fresh: the preview gets its own add-on of the same kind under the same variable, destroyed with it (volume too)", async () => {
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger, addons: addons() });
    const { parent, url } = await parentWithDatabase("fresh");
    const preview = (await m.prepare(parent, "feature/db", "alice")) ?? "";
    expect((await h.apps.get(preview)).spec.addons).toEqual([{ name: "db", owner: preview, as: "DATABASE" }]);
    const info = await addons().get(preview, "db");
    expect(info).toMatchObject({ kind: "postgres", version: "17", size: "1Gi" });
    const vars = await h.config.get(preview);
    expect(vars.DATABASE_URL).toContain(`@addon-db.${appNamespace(preview)}.svc:5432/`);
    expect(vars.DATABASE_URL).not.toBe(url);
    expect(vars.GREETING).toBe("hi");

    expect(await orUndefined(() => h.apis.persistentVolumeClaims.read(appNamespace(preview), addonNames.pvc("db")))).toBeDefined();
    expect(await m.remove(parent, "feature/db")).toBe(preview);
    expect(await orUndefined(() => h.apis.persistentVolumeClaims.read(appNamespace(preview), addonNames.pvc("db")))).toBeUndefined();
    expect(await orUndefined(() => h.apis.secrets.read(appNamespace(preview), addonNames.object("db")))).toBeUndefined();
    // The parent's add-on is untouched.
    expect((await addons().get(parent, "db")).kind).toBe("postgres");
    expect(await addons().url(parent, "db")).toBe(url);
  });

  it("shared: the preview attaches the parent's add-on, and its removal leaves the add-on alone", async () => {
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger, addons: addons() });
    const { parent, url } = await parentWithDatabase("shared");
    const preview = (await m.prepare(parent, "feature/shared", "alice")) ?? "";
    expect((await h.apps.get(preview)).spec.addons).toEqual([{ name: "db", owner: parent, as: "DATABASE" }]);
    expect((await h.config.get(preview)).DATABASE_URL).toBe(url);
    expect(await addons().list(preview)).toEqual([]);
    await m.remove(parent, "feature/shared");
    expect(await addons().url(parent, "db")).toBe(url);
  });

  it("fresh without an add-on manager is refused and makes no preview", async () => {
    const m = createPreviewManager({ apps: h.apps, config: h.config, logger: silentLogger });
    const { parent } = await parentWithDatabase("fresh");
    await expect(m.prepare(parent, "feature/none", "alice")).rejects.toThrow(/no add-on manager/);
    expect(previewsOf(await h.apps.list(), parent)).toEqual([]);
  });
});
