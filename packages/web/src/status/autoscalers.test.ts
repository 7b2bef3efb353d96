import { describe, expect, it } from "vitest";
import { defaultAppSpec, type App, type AutoscalerState } from "@qs/core";
import { CookieClient, createMemoryMetricStore, createPagesHarness, sampleApp } from "../../../../test/support/fakes/web/index.ts";
import { createStatusSource } from "./status-source.ts";

// The app page's autoscaler rows: what the HPA runs and wants, and why it last changed.
const users = [{ name: "dave", role: "developer" as const, password: "dave-pw-1" }];
const web: AutoscalerState = {
  process: "web",
  min: 1,
  max: 5,
  current: 3,
  desired: 4,
  targets: ["cpu 91%/70%"],
  lastScaleTime: new Date(Date.now() - 120_000).toISOString(),
  lastScaleReason: "New size: 3; reason: cpu resource utilization (percentage of request) above target",
};
const worker: AutoscalerState = { process: "worker", min: 1, max: 2, current: 2, desired: 2, targets: ["memory ?/80%"], problem: "TooManyReplicas: the desired replica count is more than the maximum <b>replica</b> count" };

async function appPage(autoscalers?: readonly AutoscalerState[]): Promise<string> {
  const h = await createPagesHarness({ users, apps: [sampleApp("shop", autoscalers === undefined ? {} : { autoscalers })], grants: { dave: ["shop"] } });
  const client = new CookieClient(h.app);
  await client.login({ user: "dave", password: "dave-pw-1" });
  return (await client.request("/apps/shop")).text();
}

describe("app page autoscaling", () => {
  it("shows each autoscaled process's bounds, current/desired replicas, use against target and the last scale with its reason", async () => {
    const page = await appPage([web, worker]);
    expect(page).toContain("<h2>Autoscaling</h2>");
    const table = /<table id="autoscalers">[\s\S]*?<\/table>/.exec(page)?.[0] ?? "";
    const rows = table.split("<tr>").slice(2);
    expect(rows[0]).toMatch(/<td>web<\/td><td>1–5<\/td><td class="warn">3\/4<\/td><td>cpu 91%\/70%<\/td><td><time datetime="[^"]+">2m ago<\/time><\/td><td class="mute">New size: 3; reason: cpu resource utilization \(percentage of request\) above target<\/td>/);
    // At its bound: the HPA's condition, escaped (it quotes cluster text).
    expect(rows[1]).toContain('<td>worker</td><td>1–2</td><td class="ok">2/2</td><td>memory ?/80%</td><td><span class="mute">never</span></td>');
    expect(rows[1]).toContain("TooManyReplicas: the desired replica count is more than the maximum &lt;b&gt;replica&lt;/b&gt; count");
  });

  it("has no autoscaling section when no process type is autoscaled", async () => {
    expect(await appPage()).not.toContain("Autoscaling");
    expect(await appPage([])).not.toContain("Autoscaling");
  });
});

describe("status source", () => {
  const app: App = { name: "shop", spec: { ...defaultAppSpec(), processes: { web: { replicas: 1 } } }, status: { conditions: [] }, version: "1", createdAt: "2026-11-01T00:00:00Z" };
  const source = (autoscalers?: () => Promise<readonly AutoscalerState[]>) =>
    createStatusSource({
      apps: { list: () => Promise.resolve([app]), get: () => Promise.resolve(app) },
      releases: { list: () => Promise.resolve([]) },
      config: { get: () => Promise.resolve({}) },
      ops: { ps: () => Promise.resolve([]), logs: () => Promise.resolve(), ...(autoscalers === undefined ? {} : { autoscalers }) },
      nodes: { list: () => Promise.resolve([]) },
      access: { canAccessApp: () => Promise.resolve(true) },
      metrics: createMemoryMetricStore(),
    });

  it("hands the app's autoscalers from the cluster ops to the page, and none when there are none or no ops for them", async () => {
    const principal = { user: "dave", role: "developer" as const };
    expect((await source(() => Promise.resolve([web])).getApp(principal, "shop")).autoscalers).toEqual([web]);
    expect((await source(() => Promise.resolve([])).getApp(principal, "shop")).autoscalers).toBeUndefined();
    expect((await source().getApp(principal, "shop")).autoscalers).toBeUndefined();
  });
});
