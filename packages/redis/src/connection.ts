import { Redis, type RedisOptions } from "ioredis";
import { UnavailableError } from "@qs/core";

export type { Redis } from "ioredis";

/**
 * Options for createRedis.
 */
export interface RedisConnectionOptions {
  /**
   * BullMQ workers need `maxRetriesPerRequest: null` (blocking commands must not fail
   * while Redis restarts).
   * @defaultValue 3
   */
  maxRetriesPerRequest?: number | null;
  /** Connection name shown by CLIENT LIST. @defaultValue "quickstack" */
  name?: string;
}

/** Opens a Redis connection from a redis:// URL. The caller owns `quit()`. */
export function createRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? 3 : options.maxRetriesPerRequest,
    connectionName: options.name ?? "quickstack",
    lazyConnect: false,
    // Back off up to 2 s between reconnects; ioredis keeps retrying forever.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  };
  return new Redis(url, redisOptions);
}

/** Resolves when Redis answers PING within timeoutMs; throws UnavailableError otherwise. */
export async function pingRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const answer = await Promise.race([redis.ping(), timeout]);
    if (answer !== "PONG") throw new Error(`unexpected answer ${String(answer)}`);
  } catch (err) {
    throw new UnavailableError(
      "REDIS_UNAVAILABLE",
      `Redis is not reachable: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}
