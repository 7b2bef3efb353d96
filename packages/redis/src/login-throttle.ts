import type { LoginThrottle } from "@qs/core";
import type { Redis } from "ioredis";

/** Growing delays after failed logins. */
export interface LoginThrottleOptions {
  /** @defaultValue "qs:web:" */
  readonly prefix?: string;
  /** Failures allowed without delay (typos happen). @defaultValue 3 */
  readonly freeAttempts?: number;
  /** Delay after the first failure beyond the free ones; doubles with each further one. @defaultValue 1000 */
  readonly baseDelayMs?: number;
  /** @defaultValue 900000 (15 min) */
  readonly maxDelayMs?: number;
  /** How long failures are remembered since the last one. @defaultValue 3600000 (1 h) */
  readonly windowMs?: number;
}

/** Delay after the n-th failure (pure; exported for tests and the docs). */
export function throttleDelayMs(failures: number, options: LoginThrottleOptions = {}): number {
  const free = options.freeAttempts ?? 3;
  if (failures <= free) return 0;
  const base = options.baseDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 900_000;
  return Math.min(max, base * 2 ** Math.min(failures - free - 1, 30));
}

/**
 * Per-user and per-address failure counters in Redis; a block is a key whose TTL is the
 * remaining wait, so Redis expires it and every control-plane replica sees the same state.
 */
export function createRedisLoginThrottle(redis: Redis, options: LoginThrottleOptions = {}): LoginThrottle {
  const prefix = options.prefix ?? "qs:web:";
  const windowMs = options.windowMs ?? 3_600_000;
  const failKey = (k: string) => `${prefix}login-fail:${k}`;
  const blockKey = (k: string) => `${prefix}login-block:${k}`;
  return {
    async retryAfterMs(keys) {
      if (keys.length === 0) return 0;
      const ttls = await Promise.all(keys.map((k) => redis.pttl(blockKey(k))));
      return Math.max(0, ...ttls);
    },
    async recordFailure(keys) {
      let wait = 0;
      for (const k of keys) {
        const [[, count] = []] = (await redis.multi().incr(failKey(k)).pexpire(failKey(k), windowMs).exec()) ?? [];
        const delay = throttleDelayMs(Number(count), options);
        if (delay > 0) await redis.set(blockKey(k), "1", "PX", delay);
        wait = Math.max(wait, delay);
      }
      return wait;
    },
    async reset(keys) {
      if (keys.length === 0) return;
      await redis.del(...keys.flatMap((k) => [failKey(k), blockKey(k)]));
    },
  };
}
