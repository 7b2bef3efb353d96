import { describe, expect, it } from "vitest";
import { silentLogger, UnavailableError, type UsageSource } from "@qs/core";
import { createMemoryMetricStore } from "../../../../test/support/fakes/web/index.ts";
import { startResourceSampler } from "./sampler.ts";

describe("resource sampler", () => {
  it("writes app and node usage into their series on every tick and survives a failed sample", async () => {
    const metrics = createMemoryMetricStore();
    let calls = 0;
    const usage: UsageSource = {
      sample() {
        calls++;
        if (calls === 2) return Promise.reject(new UnavailableError("METRICS_UNAVAILABLE", "metrics-server is starting"));
        return Promise.resolve({
          apps: { shop: { cpuMillicores: calls * 10, memoryBytes: 1e6 } },
          nodes: { vps1: { cpuMillicores: 500, memoryBytes: 2e9 } },
        });
      },
    };
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (obj: object | string) => void warnings.push(JSON.stringify(obj)) };
    const sampler = startResourceSampler({ usage, metrics, logger, intervalMs: 20 });
    const deadline = Date.now() + 5_000;
    while ((await metrics.read("app:shop", 0)).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sampler.close();
    await sampler.close();
    const shop = await metrics.read("app:shop", 0);
    expect(shop.length).toBeGreaterThanOrEqual(3);
    expect(shop[0]?.cpuMillicores).toBe(10);
    expect(shop[1]?.cpuMillicores).toBe(30);
    expect((await metrics.read("node:vps1", 0))[0]?.memoryBytes).toBe(2e9);
    expect(warnings.join()).toContain("metrics-server is starting");
    const after = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(after);
  });
});
