import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type Redis } from "./connection.ts";
import { createRedisSessionStore, createRedisTotpSteps, sessionIdDigest } from "./sessions.ts";
import { createRedisLoginThrottle, throttleDelayMs } from "./login-throttle.ts";
import { createRedisMetricStore } from "./metrics.ts";

let redis: Redis;
const prefix = `test-${randomUUID()}:`;

beforeAll(() => {
  redis = createRedis(process.env.QS_TEST_REDIS_URL!);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe("sessions", () => {
  const session = (id: string, user = "alice") => ({
    id,
    user,
    role: "admin" as const,
    csrfToken: `csrf-${id}`,
    createdAt: 1000,
    lastSeenAt: 1000,
    credentialStamp: `stamp-${user}`,
  });

  it("stores, touches and deletes a session with a TTL", async () => {
    const store = createRedisSessionStore(redis, { prefix });
    await store.create(session("s1"), 60_000);
    expect(await store.get("s1")).toEqual(session("s1"));
    await store.touch("s1", 5000);
    expect((await store.get("s1"))?.lastSeenAt).toBe(5000);
    const ttl = await redis.pttl(`${prefix}session:${sessionIdDigest("s1")}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await store.delete("s1");
    expect(await store.get("s1")).toBeUndefined();
  });

  it("keeps only a hash of the session id in Redis", async () => {
    const store = createRedisSessionStore(redis, { prefix });
    const id = randomUUID();
    await store.create({ ...session(id, "frank"), csrfToken: randomUUID() }, 60_000);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.filter((k) => k.includes(id))).toEqual([]);
    expect(await redis.smembers(`${prefix}user-sessions:frank`)).not.toContain(id);
    for (const k of keys.filter((k) => k.startsWith(`${prefix}session:`)))
      expect(Object.values(await redis.hgetall(k)).join(" ")).not.toContain(id);
    expect((await store.get(id))?.user).toBe("frank");
    expect(await store.get(sessionIdDigest(id))).toBeUndefined(); // the digest is no cookie
    expect(await store.deleteAllForUser("frank")).toBe(1);
    expect(await store.get(id)).toBeUndefined();
  });

  it("does not resurrect a deleted session on touch", async () => {
    const store = createRedisSessionStore(redis, { prefix });
    await store.touch("gone", 1);
    expect(await redis.exists(`${prefix}session:${sessionIdDigest("gone")}`)).toBe(0);
  });

  it("deletes every session of one user and no other", async () => {
    const store = createRedisSessionStore(redis, { prefix });
    await store.create(session("a1", "bob"), 60_000);
    await store.create(session("a2", "bob"), 60_000);
    await store.create(session("c1", "carol"), 60_000);
    expect(await store.deleteAllForUser("bob")).toBe(2);
    expect(await store.get("a1")).toBeUndefined();
    expect(await store.get("a2")).toBeUndefined();
    expect(await store.get("c1")).toBeDefined();
    expect(await store.deleteAllForUser("bob")).toBe(0);
  });
});

describe("TOTP steps", () => {
  it("accepts a step once and only later steps afterwards, even concurrently", async () => {
    const steps = createRedisTotpSteps(redis, { prefix });
    expect(await steps.lastTotpStep("dave")).toBeUndefined();
    const results = await Promise.all([steps.claimTotpStep("dave", 100), steps.claimTotpStep("dave", 100)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await steps.claimTotpStep("dave", 99)).toBe(false);
    expect(await steps.claimTotpStep("dave", 101)).toBe(true);
    expect(await steps.lastTotpStep("dave")).toBe(101);
  });
});

describe("login throttle", () => {
  it("lets the free attempts through, then doubles the delay; a blocked attempt is not counted", async () => {
    const throttle = createRedisLoginThrottle(redis, { prefix, freeAttempts: 2, baseDelayMs: 5_000 });
    const keys = ["user-addr:erin 198.51.100.7", "addr:198.51.100.7"];
    expect(await throttle.attempt(keys)).toBe(0);
    expect(await throttle.attempt(keys)).toBe(0);
    expect(await throttle.retryAfterMs(keys)).toBe(0);
    expect(await throttle.attempt(keys)).toBe(0); // the third is checked, and arms the block
    expect(await throttle.retryAfterMs(["user-addr:erin 198.51.100.7"])).toBeGreaterThan(4_000);
    expect(await throttle.attempt(keys)).toBeGreaterThan(4_000);
    await throttle.reset(["user-addr:erin 198.51.100.7"]);
    await redis.del(`${prefix}login-block:addr:198.51.100.7`);
    expect(await throttle.attempt(["addr:198.51.100.7"])).toBe(0);
    expect(await throttle.retryAfterMs(["user:nobody", "addr:198.51.100.7"])).toBeGreaterThan(9_000);
    await throttle.reset(keys);
    expect(await throttle.retryAfterMs(keys)).toBe(0);
  });

  it("counts 40 parallel attempts atomically: only the free ones and the one arming the block go through", async () => {
    const throttle = createRedisLoginThrottle(redis, { prefix });
    const keys = [`addr:${randomUUID()}`];
    const waits = await Promise.all(Array.from({ length: 40 }, () => throttle.attempt(keys)));
    expect(waits.filter((w) => w === 0)).toHaveLength(4);
  });

  it("caps an account's own delay, and a refund takes one attempt back", async () => {
    const throttle = createRedisLoginThrottle(redis, { prefix, accountFreeAttempts: 1, accountMaxDelayMs: 2_000 });
    const account = `user:${randomUUID()}`;
    for (let i = 0; i < 30; i++) {
      await redis.del(`${prefix}login-block:${account}`); // a stranger waiting out each block
      await throttle.attempt([account]);
    }
    expect(await throttle.retryAfterMs([account])).toBeLessThanOrEqual(2_000);
    const address = `addr:${randomUUID()}`;
    await throttle.attempt([address]);
    await throttle.attempt([address]);
    await throttle.reset([], [address]);
    expect(await redis.get(`${prefix}login-fail:${address}`)).toBe("1");
  });

  it("caps the delay", () => {
    expect(throttleDelayMs(3)).toBe(0);
    expect(throttleDelayMs(4)).toBe(1_000);
    expect(throttleDelayMs(6)).toBe(4_000);
    expect(throttleDelayMs(500)).toBe(900_000);
  });
});

describe("metrics", () => {
  it("keeps a bounded, time-filtered series", async () => {
    const metrics = createRedisMetricStore(redis, { prefix, maxSamples: 3 });
    for (let i = 1; i <= 5; i++)
      await metrics.append("app:shop", { at: i * 1000, cpuMillicores: i * 10, memoryBytes: i * 1e6 });
    const all = await metrics.read("app:shop", 0);
    expect(all.map((s) => s.at)).toEqual([3000, 4000, 5000]);
    expect(all[0]).toEqual({ at: 3000, cpuMillicores: 30, memoryBytes: 3e6 });
    expect((await metrics.read("app:shop", 4500)).map((s) => s.at)).toEqual([5000]);
    expect(await redis.pttl(`${prefix}metrics:app:shop`)).toBeGreaterThan(0);
    expect(await metrics.read("node:none", 0)).toEqual([]);
  });
});
