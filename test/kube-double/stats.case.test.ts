import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Target } from "./harness.ts";

// The kubelet stats summary through the API server's node proxy, which doctor's volume check
// reads: the node's root filesystem in bytes, and a 404 Status for a node that is not there.

let target: Target;
beforeAll(async () => {
  target = await connect();
});
afterAll(async () => {
  await target.close();
});

describe("GET /api/v1/nodes/<node>/proxy/stats/summary", () => {
  it("reports the node's filesystem and its pods", async () => {
    const node = (await target.core.listNode()).items[0]?.metadata?.name ?? "";
    const res = await target.raw("GET", `/api/v1/nodes/${node}/proxy/stats/summary`);
    expect(res.status).toBe(200);
    const summary = res.json() as { node: { nodeName: string; fs: { capacityBytes: number; usedBytes: number; availableBytes: number } }; pods: unknown[] };
    expect(summary.node.nodeName).toBe(node);
    expect(summary.node.fs.capacityBytes).toBeGreaterThan(summary.node.fs.usedBytes);
    expect(summary.node.fs.usedBytes).toBeGreaterThan(0);
    expect(summary.node.fs.availableBytes).toBeGreaterThan(0);
    expect(Array.isArray(summary.pods)).toBe(true);
  });

  it("answers 404 NotFound for a node that does not exist", async () => {
    const res = await target.raw("GET", "/api/v1/nodes/no-such-node/proxy/stats/summary");
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ kind: "Status", code: 404, reason: "NotFound", message: 'nodes "no-such-node" not found' });
  });
});
