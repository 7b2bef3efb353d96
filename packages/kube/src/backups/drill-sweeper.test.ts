import { describe, expect, it } from "vitest";
import type { Logger } from "@qs/core";
import { startDrillSweeper } from "./drill-sweeper.ts";

// The control plane's drill sweeper: a sweep at once, the outcome logged, and close() stops
// a drill in progress (its signal aborts) and waits for it.
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (obj: object | string, msg?: string): void => {
    lines.push(typeof obj === "string" ? obj : `${msg ?? ""} ${JSON.stringify(obj)}`);
  };
  return { lines, debug: log, info: log, warn: log, error: log, child: () => recordingLogger() };
}

describe("startDrillSweeper", () => {
  it("sweeps at once and logs each drill, a failed one as FAILED with its reason", async () => {
    const logger = recordingLogger();
    let sweeps = 0;
    const sweeper = startDrillSweeper({
      logger,
      intervalMs: 60_000,
      backups: { runDueDrills: () => Promise.resolve(++sweeps === 1 ? [{ app: "shop", backup: "shop-backup-1", ok: false, reason: "checksum mismatch" }] : []) },
    });
    await sweeper.close();
    expect(sweeps).toBe(1);
    expect(logger.lines.join("\n")).toMatch(/scheduled backup drill FAILED .*"reason":"checksum mismatch"/);
  });

  it("close() aborts a drill in progress and waits for it", async () => {
    let seen: AbortSignal | undefined;
    let ended = false;
    const sweeper = startDrillSweeper({
      logger: recordingLogger(),
      backups: {
        runDueDrills: (signal) => {
          seen = signal;
          return new Promise((_resolve, reject) => {
            signal.addEventListener("abort", () => setTimeout(() => {
              ended = true;
              reject(new Error("cancelled"));
            }, 20));
          });
        },
      },
    });
    await sweeper.close();
    expect(seen?.aborted).toBe(true);
    expect(ended).toBe(true);
  });
});
