// A tiny work queue as client-go's: keys are deduplicated, processed on the next tick, and a
// failing key (e.g. a 409 Conflict from a concurrent write) is retried after a short delay.

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private scheduled = false;
  private closed = false;
  private readonly handler: (key: string) => void;
  private readonly retryMs: number;

  constructor(handler: (key: string) => void, retryMs = 20) {
    this.handler = handler;
    this.retryMs = retryMs;
  }

  add(key: string): void {
    if (this.closed) return;
    this.pending.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  /** Adds `key` after `ms` (timers of closed queues are cleared). */
  after(key: string, ms: number): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.pending.clear();
  }

  private drain(): void {
    this.scheduled = false;
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      if (this.closed) return;
      try {
        this.handler(key);
      } catch {
        this.after(key, this.retryMs);
      }
    }
  }
}

/** "ns/name" */
export const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ""}/${name}`;

/** Splits "ns/name". */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}
