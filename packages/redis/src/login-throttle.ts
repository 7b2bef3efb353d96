import type { LoginThrottle } from "@qs/core";
import type { Redis } from "ioredis";

/** Growing delays after login attempts. */
export interface LoginThrottleOptions {
  /** @defaultValue "qs:web:" */
  readonly prefix?: string;
  /** Attempts allowed without delay (typos happen). @defaultValue 3 */
  readonly freeAttempts?: number;
  /** Delay after the first attempt beyond the free ones; doubles with each further one. @defaultValue 1000 */
  readonly baseDelayMs?: number;
  /** @defaultValue 900000 (15 min) */
  readonly maxDelayMs?: number;
  /** How long attempts are remembered since the last one. @defaultValue 3600000 (1 h) */
  readonly windowMs?: number;
  /**
   * Free attempts on a `user:` key (one account from any address). More than per address:
   * those attempts come from everywhere. @defaultValue 10
   */
  readonly accountFreeAttempts?: number;
  /**
   * The cap on a `user:` key's delay: anyone can fail logins for a named account, so its
   * own wait must stay short; guessers are held back by the per-address keys. @defaultValue 30000
   */
  readonly accountMaxDelayMs?: number;
}

/** Delay after the n-th counted attempt (pure; exported for tests and the docs). */
export function throttleDelayMs(failures: number, options: LoginThrottleOptions = {}): number {
  const free = options.freeAttempts ?? 3;
  if (failures <= free) return 0;
  const base = options.baseDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 900_000;
  return Math.min(max, base * 2 ** Math.min(failures - free - 1, 30));
}

/** The rules for one key: `user:` keys (a whole account) get the gentle account policy. */
export function throttlePolicyOf(key: string, options: LoginThrottleOptions = {}): LoginThrottleOptions {
  if (!key.startsWith("user:")) return options;
  return {
    ...options,
    freeAttempts: options.accountFreeAttempts ?? 10,
    maxDelayMs: Math.min(options.accountMaxDelayMs ?? 30_000, options.maxDelayMs ?? 900_000),
  };
}

// One script, so check-then-count is atomic: 40 parallel attempts are serialised by Redis
// and only the free ones (plus the one that arms the block) get to the password check.
// KEYS: count, block, count, block …  ARGV: windowMs, then free, base, max per key pair.
const ATTEMPT = `local wait = 0
for i = 2, #KEYS, 2 do
  local t = redis.call("PTTL", KEYS[i])
  if t > wait then wait = t end
end
if wait > 0 then return wait end
for i = 1, #KEYS, 2 do
  local n = redis.call("INCR", KEYS[i])
  redis.call("PEXPIRE", KEYS[i], ARGV[1])
  local j = 2 + (i - 1) / 2 * 3
  local free = tonumber(ARGV[j])
  if n > free then
    local d = math.min(tonumber(ARGV[j + 2]), tonumber(ARGV[j + 1]) * 2 ^ math.min(n - free - 1, 30))
    redis.call("SET", KEYS[i + 1], "1", "PX", math.floor(d))
  end
end
return 0`;

// Takes one attempt back (a successful login) without going below zero.
const REFUND = `for i = 1, #KEYS do
  if tonumber(redis.call("GET", KEYS[i]) or "0") > 0 then redis.call("DECR", KEYS[i]) end
end
return 0`;

/**
 * Per-address, per-user-and-address and per-user attempt counters in Redis; a block is a
 * key whose TTL is the remaining wait, so Redis expires it and every control-plane replica
 * sees the same state. Attempts are counted before the password is checked (see ATTEMPT).
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
    async attempt(keys) {
      if (keys.length === 0) return 0;
      const args: string[] = [String(windowMs)];
      for (const k of keys) {
        const p = throttlePolicyOf(k, options);
        args.push(String(p.freeAttempts ?? 3), String(p.baseDelayMs ?? 1_000), String(p.maxDelayMs ?? 900_000));
      }
      const redisKeys = keys.flatMap((k) => [failKey(k), blockKey(k)]);
      return Number(await redis.eval(ATTEMPT, redisKeys.length, ...redisKeys, ...args));
    },
    async reset(keys, refund = []) {
      if (keys.length > 0) await redis.del(...keys.flatMap((k) => [failKey(k), blockKey(k)]));
      if (refund.length > 0) await redis.eval(REFUND, refund.length, ...refund.map(failKey));
    },
  };
}
