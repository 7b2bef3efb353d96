import { PassThrough, type Writable } from "node:stream";
import type { ApiStatus } from "../rest/client.ts";
import type { OpsIO } from "@qs/core";

/** The stdout an exec or attach session writes to; never ends the caller's stream. */
export function terminalStdout(io: OpsIO): Writable {
  const out = new PassThrough();
  out.pipe(io.stdout, { end: false });
  return out;
}

/** Sends the terminal size now and on every SSH window-change, as kubectl does. */
export function forwardResizes(session: { resize(cols: number, rows: number): void }, io: OpsIO): void {
  if (io.tty === undefined) return;
  session.resize(io.tty.cols, io.tty.rows);
  io.tty.onResize(({ cols, rows }) => session.resize(cols, rows));
}

/** A separate stderr that never ends the caller's stream. */
export function passStderr(io: OpsIO): Writable {
  const err = new PassThrough();
  err.pipe(io.stderr, { end: false });
  return err;
}

/** The exit code in a remotecommand V1Status (`NonZeroExitCode` carries it as a cause). */
export function exitCodeFromStatus(status: ApiStatus): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}
