import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiError } from "./status.ts";

// Failures on demand for reliability tests. Injected answers are shaped as the real server
// sends them: 500 InternalError, 429 TooManyRequests with Retry-After.

/** What to inject; every field can be changed at run time through KubeDouble.faults. */
export interface Faults {
  /** Added latency per request in ms (a number, or [min, max]). @defaultValue 0 */
  latencyMs?: number | [number, number];
  /** Share (0..1) of API requests answered 500 InternalError. @defaultValue 0 */
  errorRate?: number;
  /** Share (0..1) of API requests answered 429 TooManyRequests. @defaultValue 0 */
  throttleRate?: number;
  /** Close every watch after this many ms without an event (simulates dropped connections). */
  dropWatchesAfterMs?: number;
  /** Only requests whose path matches are affected (e.g. /deployments/). @defaultValue all */
  pathPattern?: RegExp;
  /** Only these verbs (HTTP methods) are affected. @defaultValue all */
  methods?: string[];
}

/** Applies latency and injected failures to one request (throws ApiError to fail it). */
export async function applyFaults(f: Faults, req: IncomingMessage): Promise<void> {
  const path = req.url ?? "";
  if (f.pathPattern && !f.pathPattern.test(path)) return;
  if (f.methods && !f.methods.includes(req.method ?? "GET")) return;
  const lat = f.latencyMs;
  if (lat !== undefined) {
    const ms = Array.isArray(lat) ? lat[0] + Math.random() * (lat[1] - lat[0]) : lat;
    if (ms > 0) await sleep(ms);
  }
  const r = Math.random();
  const err = f.errorRate ?? 0;
  if (r < err) throw new ApiError(500, "InternalError", "Internal error occurred: injected by kube-double", { causes: [{ message: "injected fault" }] });
  if (r < err + (f.throttleRate ?? 0)) {
    throw new ApiError(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds: 1 });
  }
}
