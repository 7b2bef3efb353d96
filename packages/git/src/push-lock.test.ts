import { describe, expect, it } from "vitest";
import { CancelledError } from "@qs/core";
import { createPushLock } from "./push-lock.ts";

describe("createPushLock", () => {
  it("serialises one app in FIFO order and says who holds it", async () => {
    let t = 1_000;
    const lock = createPushLock(() => t);
    const never = new AbortController().signal;
    const order: string[] = [];
    const first = await lock.acquire("shop", "ann", never, () => order.push("no wait expected"));
    const waits: string[] = [];
    const second = lock.acquire("shop", "bob", never, (h) => waits.push(`${h.user}@${h.since}`));
    const third = lock.acquire("shop", "cid", never, (h) => waits.push(`${h.user}@${h.since}`));
    expect(waits).toEqual(["ann@1000", "ann@1000"]);
    void second.then(() => order.push("bob"));
    void third.then(() => order.push("cid"));
    t = 5_000;
    first();
    first();
    const releaseBob = await second;
    expect(lock.holder("shop")).toEqual({ user: "bob", since: 5_000 });
    releaseBob();
    (await third)();
    expect(order).toEqual(["bob", "cid"]);
    expect(lock.holder("shop")).toBeUndefined();
  });

  it("lets other apps through and drops a waiter that gives up", async () => {
    const lock = createPushLock();
    const never = new AbortController().signal;
    const release = await lock.acquire("shop", "ann", never, () => undefined);
    const other = await lock.acquire("blog", "bob", never, () => undefined);
    other();
    const gone = new AbortController();
    const waiting = lock.acquire("shop", "cid", gone.signal, () => undefined);
    gone.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    release();
    expect(lock.holder("shop")).toBeUndefined();
  });
});
