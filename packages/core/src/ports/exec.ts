import type { Readable, Writable } from "node:stream";

/** The streams of one SSH exec request, independent of the SSH library. */
export interface ExecChannel {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** The terminal, when the client asked for one (`ssh -t`). */
  readonly pty: { cols: number; rows: number; term: string } | undefined;
  /** Sends the exit status and closes the channel (once). */
  exit(code: number): void;
  /** Called on each window-change from the client. */
  onResize(listener: (size: { cols: number; rows: number }) => void): void;
  /** Called once when the client goes away before exit(). */
  onClose(listener: () => void): void;
}
