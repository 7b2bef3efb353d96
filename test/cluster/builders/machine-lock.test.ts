import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { lockPath, withMachineLock, withMachineLockSync } from "./machine-lock.ts";

const lockModule = pathToFileURL(join(import.meta.dirname, "machine-lock.ts")).href;

/** Another process that holds `name` (synchronously) for `ms`; resolves once it holds it. */
function holdElsewhere(name: string, ms: number): Promise<{ released: Promise<number> }> {
  const script = `
    const { withMachineLockSync } = await import(${JSON.stringify(lockModule)});
    withMachineLockSync(${JSON.stringify(name)}, () => {
      console.log("held");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
      console.log("released " + Date.now());
    });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const released = new Promise<number>((done) => child.on("exit", () => done(Number(/released (\d+)/.exec(out)?.[1]))));
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("held")) resolve({ released });
    });
    child.on("error", reject);
  });
}

describe("machine locks", () => {
  it("keep a second process out until the first lets go (async and sync waiters)", async () => {
    const name = `test-${randomUUID()}`;
    const first = await holdElsewhere(name, 700);
    const ranAt = await withMachineLock(name, () => Promise.resolve(Date.now()));
    expect(ranAt).toBeGreaterThanOrEqual(await first.released);

    const second = await holdElsewhere(name, 500);
    const syncRanAt = withMachineLockSync(name, () => Date.now());
    expect(syncRanAt).toBeGreaterThanOrEqual(await second.released);
  });

  it("let the holder call a maker that takes the same lock, without waiting on itself", async () => {
    const name = `test-${randomUUID()}`;
    const inner = withMachineLock(name, () => withMachineLock(name, () => Promise.resolve("made"), undefined, 2_000), undefined, 2_000);
    await expect(inner).resolves.toBe("made");
  });

  it("take over a lock whose owner is gone", async () => {
    const name = `test-${randomUUID()}`;
    mkdirSync(lockPath(name));
    writeFileSync(join(lockPath(name), "pid"), "2147483646"); // no such process
    await expect(withMachineLock(name, () => Promise.resolve("taken"), undefined, 2_000)).resolves.toBe("taken");
  });
});
