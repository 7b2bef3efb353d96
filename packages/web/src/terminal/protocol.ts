/**
 * The terminal's WebSocket protocol. Client → server: binary frames are keystrokes (raw
 * bytes to the TTY); text frames are JSON, `{"type":"resize","cols":80,"rows":24}` or
 * `{"type":"input","data":"ls\r"}`. Server → client: binary frames are terminal output;
 * text frames are JSON: `started` (with the pod), `notice`, and `end` (reason, message,
 * exit code) just before the server closes the socket.
 */

/** A parsed client text frame; `invalid` says what was wrong. */
export type ClientFrame =
  | { readonly type: "resize"; readonly cols: number; readonly rows: number }
  | { readonly type: "input"; readonly data: string }
  | { readonly type: "invalid"; readonly message: string };

/** A server text frame. */
export type ServerFrame =
  | { readonly type: "started"; readonly pod: string }
  | { readonly type: "notice"; readonly message: string }
  | { readonly type: "end"; readonly reason: string; readonly message: string; readonly exitCode: number };

/** Largest terminal side accepted (xterm and kubectl have no real limit; this keeps numbers sane). */
export const MAX_TERMINAL_SIDE = 1000;

/** True for a terminal width or height we accept. */
export function isTerminalSide(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_TERMINAL_SIDE;
}

/** Parses a client text frame (pure). */
export function parseClientFrame(text: string): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { type: "invalid", message: 'text frames must be JSON: {"type":"resize","cols":N,"rows":N} or {"type":"input","data":"…"}; send keystrokes as binary frames' };
  }
  if (typeof value !== "object" || value === null) return { type: "invalid", message: "a text frame must be a JSON object" };
  const frame = value as Record<string, unknown>;
  if (frame.type === "resize") {
    if (isTerminalSide(frame.cols) && isTerminalSide(frame.rows)) return { type: "resize", cols: frame.cols, rows: frame.rows };
    return { type: "invalid", message: `resize needs whole cols and rows from 1 to ${MAX_TERMINAL_SIDE}` };
  }
  if (frame.type === "input" && typeof frame.data === "string") return { type: "input", data: frame.data };
  return { type: "invalid", message: 'unknown frame: use {"type":"resize",…} or {"type":"input","data":"…"}' };
}
