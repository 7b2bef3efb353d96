import { AppNotFoundError, ForbiddenError, type AppDetail, type NodeSummary, type Principal, type StatusSource } from "@qs/core";

/** A fake cluster for the pages: apps, nodes, grants, and a log line pump. */
export interface FakeStatusSource extends StatusSource {
  /** Sends a log line to everyone following the app's logs. */
  emitLog(app: string, source: string, line: string): void;
  /** How many log followers are attached (tests wait for the browser's EventSource). */
  followers(app: string): number;
}

/**
 * StatusSource over fixed data with the real authorisation rule: admins see every app,
 * developers only granted ones; an ungranted app is "not found" (no existence leak).
 */
export function createFakeStatusSource(data: {
  apps: readonly AppDetail[];
  nodes?: readonly NodeSummary[];
  /** developer → apps granted */
  grants?: Readonly<Record<string, readonly string[]>>;
}): FakeStatusSource {
  const listeners = new Map<string, Set<(l: { source: string; line: string }) => void>>();
  const may = (p: Principal, app: string) => p.role === "admin" || (data.grants?.[p.user] ?? []).includes(app);
  const find = (p: Principal, app: string) => {
    const found = data.apps.find((a) => a.name === app);
    if (!found || !may(p, app)) throw new AppNotFoundError(app);
    return found;
  };
  return {
    listApps: (p) => Promise.resolve(data.apps.filter((a) => may(p, a.name))),
    getApp: (p, app) => Promise.resolve(find(p, app)),
    nodes(p) {
      if (p.role !== "admin") return Promise.reject(new ForbiddenError("Only admins may see the nodes."));
      return Promise.resolve(data.nodes ?? []);
    },
    logs(p, app, onLine, signal) {
      find(p, app);
      const set = listeners.get(app) ?? new Set();
      listeners.set(app, set);
      set.add(onLine);
      return new Promise<void>((resolve) => {
        const stop = () => {
          set.delete(onLine);
          resolve();
        };
        if (signal.aborted) stop();
        else signal.addEventListener("abort", stop, { once: true });
      });
    },
    emitLog(app, source, line) {
      for (const l of listeners.get(app) ?? []) l({ source, line });
    },
    followers: (app) => listeners.get(app)?.size ?? 0,
  };
}

/** A plausible app for the pages. */
export function sampleApp(name: string, overrides: Partial<AppDetail> = {}): AppDetail {
  return {
    name,
    status: "Running",
    conditions: [{ type: "Ready", status: "True", reason: "RolloutComplete" }],
    release: "v3",
    domains: [`${name}.example.com`],
    processes: [
      { process: "web", ready: 2, desired: 2 },
      { process: "worker", ready: 0, desired: 1 },
    ],
    cpuMillicores: 120,
    memoryBytes: 200 * 1024 * 1024,
    releases: [
      { version: "v3", author: "alice", description: "Deploy 1a2b3c4", createdAt: "2026-11-25T10:00:00Z", current: true },
      { version: "v2", author: "bob", description: "Set DATABASE_URL", createdAt: "2026-11-24T09:00:00Z", current: false },
    ],
    domainStatus: [{ host: `${name}.example.com`, certificate: "Ready" }],
    pods: [
      { source: "web.1", pod: `${name}-web-1`, process: "web", state: "Running", ready: true, restarts: 0, node: "vps1", cpuMillicores: 60, memoryBytes: 100 * 1024 * 1024 },
      { source: "worker.1", pod: `${name}-worker-1`, process: "worker", state: "CrashLoopBackOff", ready: false, restarts: 4, node: "vps1" },
    ],
    volumes: [{ name: "uploads", mountPath: "/app/uploads", size: "1Gi", processes: ["web"] }],
    configKeys: ["DATABASE_URL", "SECRET_KEY"],
    lastBuild: { sha: "1a2b3c4d5e6f", status: "succeeded", output: ["-----> Building " + name + " (1a2b3c4)", "       Node.js detected", "=====> Released v3"] },
    ...overrides,
  };
}
