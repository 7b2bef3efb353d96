import { describeError, type Logger, type MetricStore, type UsageSource } from "@qs/core";

/** Options of the resource sampler. */
export interface ResourceSamplerOptions {
  readonly usage: UsageSource;
  readonly metrics: MetricStore;
  readonly logger: Logger;
  /** @defaultValue 30000 (metrics-server's own resolution is 15–60 s) */
  readonly intervalMs?: number;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

/** A running sampler. */
export interface ResourceSampler {
  /** Takes one sample now (also what the timer does). */
  sampleOnce(): Promise<void>;
  /** Stops the timer and waits for a running sample; idempotent. */
  close(): Promise<void>;
}

/**
 * Samples CPU and memory of every app and node into the MetricStore every interval, for
 * the sparklines. A failed sample is logged and the next one tried: metrics-server is
 * often briefly unavailable and a gap in a sparkline is harmless.
 */
export function startResourceSampler(options: ResourceSamplerOptions): ResourceSampler {
  const now = options.now ?? Date.now;
  let running: Promise<void> = Promise.resolve();
  let closing: Promise<void> | undefined;

  const sampleOnce = async () => {
    const usage = await options.usage.sample();
    const at = now();
    const writes = [
      ...Object.entries(usage.apps).map(([name, u]) => options.metrics.append(`app:${name}`, { at, ...u })),
      ...Object.entries(usage.nodes).map(([name, u]) => options.metrics.append(`node:${name}`, { at, ...u })),
    ];
    await Promise.all(writes);
  };

  const tick = () => {
    running = sampleOnce().catch((err: unknown) => {
      options.logger.warn({ reason: describeError(err) }, "resource sample failed");
    });
  };
  const timer = setInterval(tick, options.intervalMs ?? 30_000);
  timer.unref();

  return {
    sampleOnce,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await running;
      })();
      return closing;
    },
  };
}
