import { describe, expect, it } from "vitest";
import { ForbiddenError, type CheckResult, type Principal } from "@qs/core";
import { createMemoryMetricStore } from "../../../../test/support/fakes/web/index.ts";
import { createStatusSource } from "./status-source.ts";
import { nodesPage } from "./views/nodes.ts";

const results: CheckResult[] = [
  { id: "nodes", title: "Nodes ready", status: "ok", finding: "1 node Ready (vps1)" },
  { id: "dns", title: "App domains point at a node", status: "fail", finding: "shop.example.com (shop) points at 203.0.113.9 <elsewhere>", fix: "change the A record of shop.example.com to 198.51.100.1" },
];
const admin: Principal = { user: "alice", role: "admin" };
const dev: Principal = { user: "dave", role: "developer" };

function source(withDoctor: boolean) {
  return createStatusSource({
    apps: { list: () => Promise.resolve([]), get: () => Promise.reject(new Error("none")) },
    releases: { list: () => Promise.resolve([]) },
    config: { get: () => Promise.resolve({}) },
    ops: { ps: () => Promise.resolve([]), logs: () => Promise.resolve() },
    nodes: { list: () => Promise.resolve([]) },
    access: { canAccessApp: () => Promise.resolve(true) },
    metrics: createMemoryMetricStore(),
    ...(withDoctor ? { doctor: { run: () => Promise.resolve(results) } } : {}),
  });
}

describe("health on the status page", () => {
  it("gives admins the doctor's results, developers a 403, and nothing without a doctor", async () => {
    expect(await source(true).health?.(admin)).toEqual(results);
    await expect(source(true).health?.(dev)).rejects.toBeInstanceOf(ForbiddenError);
    expect("health" in source(false)).toBe(false);
  });

  it("renders each check with its status, finding and (when not ok) fix, escaped", async () => {
    const page = String(await nodesPage({ user: { principal: admin, csrfToken: "t" }, nodes: [], history: new Map(), health: results }));
    expect(page).toContain("<h2>Health</h2>");
    expect(page).toMatch(/<td>Nodes ready<\/td><td class="ok">ok<\/td><td>1 node Ready \(vps1\)<\/td>/);
    expect(page).toContain('<td class="bad">fail</td><td>shop.example.com (shop) points at 203.0.113.9 &lt;elsewhere&gt;<br><span class="mute">Fix: change the A record');
    expect(page).toContain("ssh qs doctor");
    const without = String(await nodesPage({ user: { principal: admin, csrfToken: "t" }, nodes: [], history: new Map() }));
    expect(without).not.toContain("Health");
  });
});
