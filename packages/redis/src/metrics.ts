import type { MetricSample, MetricSeries, MetricStore } from "@qs/core";
import type { Redis } from "ioredis";

/** Bounded metric history. */
export interface MetricStoreOptions {
  /** @defaultValue "qs:" */
  readonly prefix?: string;
  /** Samples kept per series: a capped list. 24 h at one per 30 s. @defaultValue 2880 */
  readonly maxSamples?: number;
  /** A series nobody appends to disappears after this. @defaultValue 86400000 (24 h) */
  readonly retentionMs?: number;
}

/** One Redis list per series, `at,cpu,mem` entries, trimmed on every append (ring buffer). */
export function createRedisMetricStore(redis: Redis, options: MetricStoreOptions = {}): MetricStore {
  const prefix = options.prefix ?? "qs:";
  const max = options.maxSamples ?? 2_880;
  const retentionMs = options.retentionMs ?? 86_400_000;
  const key = (series: MetricSeries) => `${prefix}metrics:${series}`;
  return {
    async append(series, sample) {
      const entry = `${sample.at},${Math.round(sample.cpuMillicores)},${Math.round(sample.memoryBytes)}`;
      await redis
        .multi()
        .rpush(key(series), entry)
        .ltrim(key(series), -max, -1)
        .pexpire(key(series), retentionMs)
        .exec();
    },
    async read(series, sinceMs) {
      const entries = await redis.lrange(key(series), 0, -1);
      const samples: MetricSample[] = [];
      for (const entry of entries) {
        const [at, cpu, mem] = entry.split(",").map(Number);
        if (at === undefined || cpu === undefined || mem === undefined || at < sinceMs) continue;
        samples.push({ at, cpuMillicores: cpu, memoryBytes: mem });
      }
      return samples;
    },
  };
}
