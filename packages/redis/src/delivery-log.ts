import type { Redis } from "ioredis";

/** Options for createRedisDeliveryLog. */
export interface DeliveryLogOptions {
  /** @defaultValue "qs:webhook:delivery:" */
  readonly prefix?: string;
  /** How long an id is remembered; Git hosts redeliver within days. @defaultValue 7 days */
  readonly ttlSeconds?: number;
}

/** Webhook delivery ids seen, for replay protection (one SET NX with expiry per id). */
export function createRedisDeliveryLog(
  redis: Redis,
  options: DeliveryLogOptions = {},
): { firstTime(app: string, sender: string, id: string): Promise<boolean> } {
  const prefix = options.prefix ?? "qs:webhook:delivery:";
  const ttl = options.ttlSeconds ?? 7 * 86400;
  return {
    async firstTime(app, sender, id) {
      return (await redis.set(`${prefix}${app}:${sender}:${id}`, "1", "EX", ttl, "NX")) === "OK";
    },
  };
}
