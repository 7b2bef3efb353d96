import { describe, expect, it } from "vitest";
import { KeyedLock } from "./app-lock.ts";

describe("KeyedLock", () => {
  it("runs holders of one key one after another, other keys in parallel", async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const job = (key: string, name: string, ms: number) =>
      lock.run(key, async () => {
        events.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${name}`);
      });
    await Promise.all([job("a", "a1", 20), job("a", "a2", 1), job("b", "b1", 1)]);
    expect(events.indexOf("end a1")).toBeLessThan(events.indexOf("start a2"));
    expect(events.indexOf("start b1")).toBeLessThan(events.indexOf("end a1"));
  });

  it("releases the key when the holder throws", async () => {
    const lock = new KeyedLock();
    await expect(lock.run("a", () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await lock.run("a", () => Promise.resolve(1))).toBe(1);
  });
});
