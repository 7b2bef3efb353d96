import type { Logger } from "@qs/core";

/** Options of the WorkQueue. */
export interface WorkQueueOptions {
  /** Keys processed at the same time (never the same key twice at once). @defaultValue 2 */
  readonly concurrency?: number;
  /** Delay before a failed key is retried. @defaultValue 2000 */
  readonly retryDelayMs?: number;
}

/**
 * A deduplicating work queue keyed by app name, as in controller-runtime: a key added while
 * it is being processed runs once more afterwards (level-triggered: the handler reads the
 * latest state, so coalescing many events into one run loses nothing).
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idle: (() => void)[] = [];
  private closed = false;
  private readonly handler: (key: string) => Promise<void>;
  private readonly logger: Logger;
  private readonly concurrency: number;
  private readonly retryDelayMs: number;

  constructor(handler: (key: string) => Promise<void>, logger: Logger, options: WorkQueueOptions = {}) {
    this.handler = handler;
    this.logger = logger;
    this.concurrency = options.concurrency ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 2000;
  }

  /** Schedules `key`; a no-op when it is already waiting. */
  add(key: string): void {
    if (this.closed) return;
    if (this.running.has(key)) this.dirty.add(key);
    else this.pending.add(key);
    this.pump();
  }

  /** Stops taking work and resolves when running handlers have finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.running.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency) {
      const key = this.pending.values().next().value;
      if (key === undefined) return;
      this.pending.delete(key);
      this.running.add(key);
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handler(key);
    } catch (err) {
      this.logger.warn({ app: key, err: (err as Error).message }, "reconcile failed; retrying");
      if (!this.closed) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.add(key);
        }, this.retryDelayMs);
        this.timers.add(timer);
      }
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.pending.add(key);
      if (this.running.size === 0) for (const resolve of this.idle.splice(0)) resolve();
      this.pump();
    }
  }
}
