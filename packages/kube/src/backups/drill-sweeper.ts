import type { Logger } from "@qs/core";
import type { BackupManager } from "./backup-manager.ts";

/** Options for startDrillSweeper. */
export interface DrillSweeperOptions {
  readonly backups: Pick<BackupManager, "runDueDrills">;
  readonly logger: Logger;
  /** The apps whose drills this sweeper runs. @defaultValue every app */
  readonly owns?: (app: string) => boolean;
  /** Time between checks for due drills. @defaultValue 15 minutes */
  readonly intervalMs?: number;
}

/** The running sweeper; close() stops a drill in progress and waits for it. */
export interface DrillSweeper {
  close(): Promise<void>;
}

/**
 * Runs due scheduled drills now and then every interval, one sweep at a time (a drill can
 * take as long as a restore). A failed sweep is logged and the next one tries again; each
 * drill's own result is recorded on its backup by runDueDrills.
 */
export function startDrillSweeper(options: DrillSweeperOptions): DrillSweeper {
  const intervalMs = options.intervalMs ?? 15 * 60_000;
  const abort = new AbortController();
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    running = options.backups
      .runDueDrills(abort.signal, options.owns)
      .then(
        (drills) => {
          for (const d of drills) {
            if (d.ok) options.logger.info({ app: d.app, backup: d.backup }, "scheduled backup drill passed");
            else options.logger.warn({ app: d.app, backup: d.backup, reason: d.reason }, "scheduled backup drill FAILED");
          }
        },
        (err: unknown) => {
          if (!abort.signal.aborted) options.logger.warn({ err: (err as Error).message }, "backup drill sweep failed; retrying at the next interval");
        },
      )
      .finally(() => {
        if (!abort.signal.aborted) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        abort.abort();
        clearTimeout(timer);
        await running;
      })()),
  };
}
