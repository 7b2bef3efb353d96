import type { Logger } from "@qs/core";

/** Options for startPreviewSweeper. */
export interface PreviewSweeperOptions {
  readonly sweep: () => Promise<readonly string[]>;
  readonly logger: Logger;
  /** Time between sweeps. @defaultValue 5 minutes */
  readonly intervalMs?: number;
}

/** The running sweep; close() waits for a sweep in progress. */
export interface PreviewSweeper {
  close(): Promise<void>;
}

/**
 * Runs the preview sweep now and then every interval. One sweep at a time: a slow API
 * server must not stack sweeps up. A failed sweep is logged and the next one tries again,
 * since nothing is lost by destroying an idle preview a few minutes late.
 */
export function startPreviewSweeper(options: PreviewSweeperOptions): PreviewSweeper {
  const intervalMs = options.intervalMs ?? 5 * 60_000;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const tick = (): void => {
    running = options
      .sweep()
      .then(
        () => undefined,
        (err: unknown) => {
          options.logger.warn({ err: (err as Error).message }, "preview sweep failed; retrying at the next interval");
        },
      )
      .finally(() => {
        if (!closed) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        closed = true;
        clearTimeout(timer);
        await running;
      })()),
  };
}
