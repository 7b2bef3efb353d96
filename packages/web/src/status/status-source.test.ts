import { describe, expect, it } from "vitest";
import { AppNotFoundError, defaultAppSpec, type App, type AppProcess, type Principal, type Release } from "@qs/core";
import { createMemoryMetricStore } from "../../../../test/support/fakes/web/index.ts";
import { appStatusWord, createStatusSource } from "./status-source.ts";

const now = Date.UTC(2026, 10, 26, 12);
function app(name: string, patch: Partial<App["status"]> = {}, release: number | null = 2): App {
  return {
    name,
    spec: {
      ...defaultAppSpec(),
      processes: { web: { replicas: 2 }, worker: { replicas: 1 } },
      domains: [`${name}.example.com`],
      volumes: [{ name: "uploads", mountPath: "/app/uploads", size: "1Gi", processes: ["web"] }, { name: "cache", mountPath: "/cache", size: "512Mi" }],
      ...(release !== null ? { release } : {}),
    },
    status: {
      conditions: [{ type: "Ready", status: "True", reason: "RolloutComplete", message: "", lastTransitionTime: "2026-11-26T00:00:00Z" }],
      ...(release !== null ? { currentRelease: release } : {}),
      processes: { web: { ready: 2, desired: 2 } },
      ...patch,
    },
    version: "1",
    createdAt: "2026-11-01T00:00:00Z",
  };
}
const releases: Release[] = [2, 1].map((n) => ({ app: "shop", number: n, image: "r/shop@sha256:x", configHash: "h", processes: {}, author: "alice", description: `change ${n}`, createdAt: "2026-11-25T00:00:00Z" }));
const pods: AppProcess[] = [
  { source: "web.1", pod: "shop-web-a", process: "web", state: "Running", ready: true, restarts: 0, cpuMillicores: 40, memoryBytes: 100 },
  { source: "web.2", pod: "shop-web-b", process: "web", state: "Running", ready: true, restarts: 1, cpuMillicores: 60, memoryBytes: 50 },
];
const admin: Principal = { user: "alice", role: "admin" };
const dev: Principal = { user: "dave", role: "developer" };

function source() {
  const metrics = createMemoryMetricStore();
  const logged: string[] = [];
  const configReads: string[] = [];
  const s = createStatusSource({
    apps: { list: () => Promise.resolve([app("shop"), app("secret")]), get: (n) => Promise.resolve(app(n)) },
    releases: { list: () => Promise.resolve(releases) },
    config: {
      get: (a) => {
        configReads.push(a);
        return Promise.resolve({ SECRET_KEY: "s3cr3t-value", DATABASE_URL: "postgres://u:pw@db/shop" });
      },
    },
    ops: {
      ps: () => Promise.resolve(pods),
      logs: (a, opts, onLine) => {
        logged.push(`${a} follow=${String(opts.follow)}`);
        onLine({ source: "web.1", line: "hi" });
        return Promise.resolve();
      },
    },
    nodes: { list: () => Promise.resolve([]) },
    access: { canAccessApp: (p, a) => Promise.resolve(p.role === "admin" || a === "shop") },
    metrics,
    builds: { output: () => Promise.resolve({ record: { id: "b1", app: "shop", gitSha: "abc", state: "succeeded" as const, createdAt: "" }, lines: ["-----> Building"] }) },
    defaultDomain: (a) => `${a}.apps.example.net`,
    now: () => now,
  });
  return { s, metrics, logged, configReads };
}

describe("StatusSource over the command-layer ports", () => {
  it("lists only apps the principal may access, with usage from the newest sample", async () => {
    const { s, metrics } = source();
    await metrics.append("app:shop", { at: now - 30_000, cpuMillicores: 99, memoryBytes: 1234 });
    expect((await s.listApps(admin)).map((a) => a.name)).toEqual(["shop", "secret"]);
    const [shop, ...rest] = await s.listApps(dev);
    expect(rest).toEqual([]);
    expect(shop).toMatchObject({ name: "shop", status: "Running", release: "v2", cpuMillicores: 99, memoryBytes: 1234 });
    expect(shop?.domains).toEqual(["shop.apps.example.net", "shop.example.com"]);
    expect(shop?.processes).toEqual([
      { process: "web", ready: 2, desired: 2 },
      { process: "worker", ready: 0, desired: 1 },
    ]);
  });

  it("hides ungranted apps as not found, for pages and logs", async () => {
    const { s, logged } = source();
    await expect(s.getApp(dev, "secret")).rejects.toBeInstanceOf(AppNotFoundError);
    await expect(s.logs(dev, "secret", () => undefined, new AbortController().signal)).rejects.toBeInstanceOf(AppNotFoundError);
    expect(logged).toEqual([]);
    await expect(s.nodes(dev)).rejects.toThrow(/admins/);
  });

  it("details an app: releases, pods with summed usage, build output, certificates unknown without a source", async () => {
    const { s, logged } = source();
    const d = await s.getApp(dev, "shop");
    expect(d.releases.map((r) => [r.version, r.current])).toEqual([["v2", true], ["v1", false]]);
    expect(d.cpuMillicores).toBe(100);
    expect(d.memoryBytes).toBe(150);
    expect(d.lastBuild).toEqual({ sha: "abc", status: "succeeded", output: ["-----> Building"] });
    expect(d.domainStatus[0]).toEqual({ host: "shop.apps.example.net", certificate: "Unknown" });
    const lines: string[] = [];
    await s.logs(dev, "shop", (l) => lines.push(l.line), new AbortController().signal);
    expect(lines).toEqual(["hi"]);
    expect(logged).toEqual(["shop follow=true"]);
  });

  it("lists the app's volumes and its config keys, sorted, never the values", async () => {
    const { s, configReads } = source();
    const d = await s.getApp(dev, "shop");
    expect(d.volumes).toEqual([
      { name: "uploads", mountPath: "/app/uploads", size: "1Gi", processes: ["web"] },
      { name: "cache", mountPath: "/cache", size: "512Mi", processes: [] },
    ]);
    expect(d.configKeys).toEqual(["DATABASE_URL", "SECRET_KEY"]);
    expect(configReads).toEqual(["shop"]);
    const shown = JSON.stringify(d);
    expect(shown).not.toContain("s3cr3t-value");
    expect(shown).not.toContain("pw@db");
    await expect(s.getApp(dev, "secret")).rejects.toBeInstanceOf(AppNotFoundError);
    expect(configReads).toEqual(["shop"]);
  });

  it("derives one status word from the conditions", () => {
    expect(appStatusWord(app("a", {}, null))).toBe("Idle");
    expect(appStatusWord(app("a"))).toBe("Running");
    const deg = { type: "Degraded" as const, status: "True" as const, reason: "Crash", message: "", lastTransitionTime: "" };
    expect(appStatusWord(app("a", { conditions: [deg] }))).toBe("Degraded");
    const prog = { ...deg, type: "Progressing" as const };
    expect(appStatusWord(app("a", { conditions: [prog] }))).toBe("Deploying");
  });
});
