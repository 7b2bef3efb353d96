import { PassThrough, type Writable } from "node:stream";
import type { V1Status } from "@kubernetes/client-node";
import type { OpsIO } from "@qs/core";

/**
 * The stdout client-node's Exec/Attach write to. With a TTY it carries `columns`/`rows`
 * and emits `resize`, which client-node turns into resize messages on channel 4 (the
 * Kubernetes remotecommand protocol), so the container's terminal follows the SSH window.
 */
export function terminalStdout(io: OpsIO): Writable {
  const out = new PassThrough();
  out.pipe(io.stdout, { end: false });
  if (io.tty !== undefined) {
    const sized = out as PassThrough & { columns: number; rows: number };
    sized.columns = io.tty.cols;
    sized.rows = io.tty.rows;
    io.tty.onResize(({ cols, rows }) => {
      sized.columns = cols;
      sized.rows = rows;
      out.emit("resize");
    });
  }
  return out;
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
