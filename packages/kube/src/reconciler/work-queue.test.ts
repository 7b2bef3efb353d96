import { silentLogger } from "@qs/core";
import { describe, expect, it } from "vitest";
import { WorkQueue } from "./work-queue.ts";

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("WorkQueue", () => {
  it("coalesces adds of a waiting key and reruns a key added while it runs", async () => {
    const runs: string[] = [];
    let release: () => void = () => undefined;
    const q = new WorkQueue(
      async (key) => {
        runs.push(key);
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
      },
      silentLogger,
      { concurrency: 1 },
    );
    q.add("a");
    await tick();
    q.add("a"); // while running → once more afterwards
    q.add("a");
    q.add("b");
    q.add("b"); // waiting → coalesced
    release();
    await tick(20);
    expect(runs.sort()).toEqual(["a", "a", "b"]);
    await q.close();
  });

  it("retries a failed key after the delay and stops on close", async () => {
    let calls = 0;
    const q = new WorkQueue(
      () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error("boom")) : Promise.resolve();
      },
      silentLogger,
      { retryDelayMs: 10 },
    );
    q.add("a");
    await tick(50);
    expect(calls).toBe(2);
    await q.close();
    await q.close();
    q.add("a");
    await tick(20);
    expect(calls).toBe(2);
  });
});
