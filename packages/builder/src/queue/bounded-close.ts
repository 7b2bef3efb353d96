/** A BullMQ Queue, Worker or QueueEvents: a graceful close and an immediate disconnect. */
export interface Closable {
  close(): Promise<void>;
  disconnect(): Promise<void>;
}

/** How long a forced disconnect is waited for (see closeWithin). */
const DISCONNECT_WAIT_MS = 1_000;

/** Resolves after `ms`, and clears its timer once `settled` settles. */
function after(ms: number, settled: Promise<unknown>): Promise<"expired"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("expired"), ms);
    void settled.finally(() => clearTimeout(timer)).catch(() => undefined);
  });
}

/**
 * Closes gracefully, but gives up after `ms` and drops the connection instead. With Redis
 * gone, BullMQ's close waits for a QUIT that ioredis holds until it reconnects, which may
 * be never, and its disconnect waits for an `end` event a connection that is not connected
 * may never emit; a shutdown must not depend on either. The disconnect still stops
 * ioredis from reconnecting.
 */
export async function closeWithin(client: Closable, ms: number): Promise<void> {
  const closing = client.close();
  if ((await Promise.race([closing, after(ms, closing)])) !== "expired") return;
  const dropping = client.disconnect();
  await Promise.race([dropping, after(DISCONNECT_WAIT_MS, dropping)]);
}
