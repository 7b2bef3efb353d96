import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, createRedisLoginThrottle, type Redis } from "@qs/redis";
import { createPagesHarness, CookieClient } from "../../../../test/support/fakes/web/index.ts";

// The login form against the real Redis throttle: parallel posts must not race the count.
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

async function setup() {
  return createPagesHarness({
    users: [{ name: "dave", role: "developer", password: "dave-pw-1" }],
    apps: [],
    options: { throttle: createRedisLoginThrottle(redis, { prefix }), require2fa: false },
  });
}

describe("login throttle with Redis", () => {
  it("checks only the free attempts of 40 parallel wrong passwords; the rest wait", async () => {
    const h = await setup();
    const clients = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const c = new CookieClient(h.app, "http://localhost", "203.0.113.40");
        await c.request("/login"); // the CSRF cookie first, so the posts below race each other
        return c;
      }),
    );
    const statuses = await Promise.all(
      clients.map((c) => c.login({ user: "dave", password: "wrong" })),
    );
    const checked = statuses.filter((r) => r.status === 401).length;
    expect(checked).toBeLessThanOrEqual(4);
    expect(statuses.filter((r) => r.status === 429)).toHaveLength(40 - checked);
  });

  it("lets the owner in from another address while a stranger hammers the account", async () => {
    const h = await setup();
    await Promise.all(
      Array.from({ length: 40 }, () =>
        new CookieClient(h.app, "http://localhost", "203.0.113.41").login({
          user: "dave",
          password: "wrong",
        }),
      ),
    );
    const owner = await new CookieClient(h.app, "http://localhost", "198.51.100.9").login({
      user: "dave",
      password: "dave-pw-1",
    });
    expect(owner.status).toBe(303);
  });
});
