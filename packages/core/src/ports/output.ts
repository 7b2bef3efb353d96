/**
 * Where progress for a user goes: the push's `remote:` lines, an SSH command's stdout, or
 * an SSE stream. Heroku-style formatting helpers live in core/format.ts.
 */
export interface OutputSink {
  /** One line, without trailing newline; written as it happens (no buffering). */
  line(text: string): void;
}
