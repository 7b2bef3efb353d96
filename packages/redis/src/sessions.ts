import { createHash } from "node:crypto";
import type { SessionStore, UserDirectory, WebSession } from "@qs/core";
import type { Redis } from "ioredis";

/** Options shared by the Redis-backed web stores. */
export interface RedisKeyOptions {
  /** Prepended to every key (tests use a unique one). @defaultValue "qs:web:" */
  readonly prefix?: string;
}

// Touch only a session that still exists: HSET on an expired key would resurrect a
// partial hash without a TTL.
const TOUCH = `if redis.call("EXISTS", KEYS[1]) == 1 then redis.call("HSET", KEYS[1], "lastSeenAt", ARGV[1]) return 1 end return 0`;

/**
 * What Redis knows a session by: SHA-256 of its id. Someone who can read Redis (a backup,
 * a MONITOR) learns no cookie that works; the id is 256 random bits, so no salt or slow
 * hash is needed.
 */
export function sessionIdDigest(id: string): string {
  return createHash("sha256").update(id).digest("base64url");
}

/**
 * Web sessions as Redis hashes with a per-user index set (logout everywhere). Keys and the
 * index hold only sessionIdDigest(id), never the id (sessions stored raw before that change
 * are simply not found: their users log in again).
 */
export function createRedisSessionStore(redis: Redis, options: RedisKeyOptions = {}): SessionStore {
  const prefix = options.prefix ?? "qs:web:";
  const digestKey = (digest: string) => `${prefix}session:${digest}`;
  const sessionKey = (id: string) => digestKey(sessionIdDigest(id));
  const userKey = (user: string) => `${prefix}user-sessions:${user}`;
  return {
    async create(session: WebSession, ttlMs: number) {
      await redis
        .multi()
        .hset(sessionKey(session.id), {
          user: session.user,
          role: session.role,
          csrfToken: session.csrfToken,
          createdAt: String(session.createdAt),
          lastSeenAt: String(session.lastSeenAt),
          ...(session.credentialStamp === undefined ? {} : { credentialStamp: session.credentialStamp }),
        })
        .pexpire(sessionKey(session.id), ttlMs)
        .sadd(userKey(session.user), sessionIdDigest(session.id))
        // The index lives as long as its newest session; stale ids in it are harmless.
        .pexpire(userKey(session.user), ttlMs)
        .exec();
    },
    async get(id: string) {
      const h = await redis.hgetall(sessionKey(id));
      if (!h.user || !h.csrfToken) return undefined;
      const role = h.role === "admin" ? "admin" : "developer";
      return {
        id,
        user: h.user,
        role,
        csrfToken: h.csrfToken,
        createdAt: Number(h.createdAt),
        lastSeenAt: Number(h.lastSeenAt),
        ...(h.credentialStamp === undefined ? {} : { credentialStamp: h.credentialStamp }),
      };
    },
    async touch(id: string, lastSeenAt: number) {
      await redis.eval(TOUCH, 1, sessionKey(id), String(lastSeenAt));
    },
    async delete(id: string) {
      const user = await redis.hget(sessionKey(id), "user");
      const tx = redis.multi().del(sessionKey(id));
      if (user) tx.srem(userKey(user), sessionIdDigest(id));
      await tx.exec();
    },
    async deleteAllForUser(user: string) {
      const digests = await redis.smembers(userKey(user));
      if (digests.length === 0) return 0;
      const removed = await redis.del(...digests.map(digestKey));
      await redis.del(userKey(user));
      return removed;
    },
  };
}

// Keep a step only if it is after the stored one (atomic: two concurrent logins with the
// same code cannot both win). The record must outlive the ±1 step window (90 s).
const CLAIM = `local cur = redis.call("GET", KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call("SET", KEYS[1], ARGV[1], "EX", 600)
return 1`;

/** The TOTP replay guard half of a UserDirectory, in Redis. */
export function createRedisTotpSteps(
  redis: Redis,
  options: RedisKeyOptions = {},
): Pick<UserDirectory, "lastTotpStep" | "claimTotpStep"> {
  const prefix = options.prefix ?? "qs:web:";
  const key = (user: string) => `${prefix}totp-step:${user}`;
  return {
    async lastTotpStep(name: string) {
      const v = await redis.get(key(name));
      return v === null ? undefined : Number(v);
    },
    async claimTotpStep(name: string, step: number) {
      return (await redis.eval(CLAIM, 1, key(name), String(step))) === 1;
    },
  };
}
