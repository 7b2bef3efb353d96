import type { Logger } from "@qs/core";

/** The same Redis error is logged at most this often per connection. */
const QUIET_MS = 30_000;

/**
 * An `error` listener for a BullMQ Queue, Worker or QueueEvents. Without one BullMQ prints
 * every reconnect failure to stderr itself; with Redis down that is one raw stack a second
 * per connection. This logs the first of a kind, then the same message once per 30 s.
 */
export function redisErrorLogger(logger: Logger, what: string): (err: Error) => void {
  let last: { message: string; at: number } | undefined;
  return (err) => {
    const now = Date.now();
    if (last !== undefined && last.message === err.message && now - last.at < QUIET_MS) return;
    last = { message: err.message, at: now };
    logger.warn({ err: err.message, connection: what }, "builds: Redis error (BullMQ retries on its own)");
  };
}
