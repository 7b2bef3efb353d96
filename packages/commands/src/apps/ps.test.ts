import { beforeEach, describe, expect, it } from "vitest";
import type { AppProcess, AutoscalerState, ClusterOps } from "@qs/core";
import { admin, captureIO, fakeServices } from "../../../../test/support/fakes/index.ts";
import { runCommandLine } from "../dispatch.ts";

// apps:ps through the command layer: the process table, then what the autoscaler did.
let env: ReturnType<typeof fakeServices>;
let processes: AppProcess[];
const autoscaler: AutoscalerState = {
  process: "web",
  min: 1,
  max: 5,
  current: 3,
  desired: 4,
  targets: ["cpu 91%/70%"],
  lastScaleTime: new Date(Date.now() - 120_000).toISOString(),
  lastScaleReason: "New size: 3; reason: cpu resource utilization (percentage of request) above target",
};

async function run(line: string) {
  const io = captureIO("");
  const ops = { ps: () => Promise.resolve(processes), autoscalers: () => Promise.resolve([autoscaler]) } as unknown as ClusterOps;
  const code = await runCommandLine(line, admin, io, { ...env.services, ops }, new AbortController().signal);
  return { code, out: io.out(), err: io.err() };
}

beforeEach(async () => {
  env = fakeServices();
  processes = [{ source: "web-abc12", process: "web", state: "running", ready: true, restarts: 0, release: "v2" } as AppProcess];
  await run("apps:create shop");
});

describe("apps:ps", () => {
  it("shows the autoscaler's bounds, current/desired replicas and why it last scaled, under the processes", async () => {
    const res = await run("apps:ps shop");
    expect(res.code).toBe(0);
    const [procs, scaling] = res.out.split("\n\nAutoscaling:\n");
    expect(procs).toMatch(/web-abc12\s+running\s+yes/);
    expect(scaling).toMatch(/^process\s+bounds\s+current\/desired\s+targets\s+last scaled\s+why/i);
    expect(scaling).toMatch(/web\s+1-5\s+3\/4\s+cpu 91%\/70%\s+2m ago\s+New size: 3; reason: cpu resource utilization \(percentage of request\) above target/);
    // --json stays the process list.
    expect(JSON.parse((await run("apps:ps shop --json")).out)).toEqual(processes);
  });

  it("shows the autoscaler also when no process runs", async () => {
    processes = [];
    const res = await run("apps:ps shop");
    expect(res.out).toMatch(/^shop has no running processes\.\n\nAutoscaling:\n/);
  });
});
