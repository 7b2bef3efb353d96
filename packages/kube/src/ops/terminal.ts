import { PassThrough, type Writable } from "node:stream";
import type { V1Status } from "@kubernetes/client-node";
import type { OpsIO } from "@qs/core";

/** The stdout client-node's Exec/Attach write to; never ends the caller's stream. */
export function terminalStdout(io: OpsIO): Writable {
  const out = new PassThrough();
  out.pipe(io.stdout, { end: false });
  return out;
}

/** Channel 4 of the Kubernetes remotecommand protocol carries terminal sizes. */
const RESIZE_CHANNEL = 4;

/**
 * Sends the terminal size now and on every SSH window-change, as kubectl does: JSON
 * `{"Width","Height"}` on channel 4 (kubectl's TerminalSize has no json tags, so the
 * keys are capitalised; the API server decodes them case-insensitively either way).
 */
export function forwardResizes(ws: { send(data: Buffer): void; readyState: number }, io: OpsIO): void {
  if (io.tty === undefined) return;
  const send = (cols: number, rows: number): void => {
    // 1 = WebSocket OPEN; a resize after the session ended is dropped.
    if (ws.readyState !== 1 || cols <= 0 || rows <= 0) return;
    ws.send(Buffer.concat([Buffer.from([RESIZE_CHANNEL]), Buffer.from(JSON.stringify({ Width: cols, Height: rows }))]));
  };
  send(io.tty.cols, io.tty.rows);
  io.tty.onResize(({ cols, rows }) => send(cols, rows));
}

/** A separate stderr that never ends the caller's stream. */
export function passStderr(io: OpsIO): Writable {
  const err = new PassThrough();
  err.pipe(io.stderr, { end: false });
  return err;
}

/** The exit code in a remotecommand V1Status (`NonZeroExitCode` carries it as a cause). */
export function exitCodeFromStatus(status: V1Status): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}
