import { Writable } from "node:stream";

/**
 * A Writable that calls `onLine` for each complete line (without the newline), and for
 * the unterminated rest when it ends. Log streams arrive in arbitrary chunks.
 */
export function lineSplitter(onLine: (line: string) => void, maxLine = 64 * 1024): Writable {
  let rest = "";
  const decoder = new TextDecoder();
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      rest += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        onLine(rest.slice(0, nl).replace(/\r$/, ""));
        rest = rest.slice(nl + 1);
      }
      // A line without an end (binary junk) is cut so memory stays bounded.
      if (rest.length > maxLine) {
        onLine(rest.slice(0, maxLine));
        rest = rest.slice(maxLine);
      }
      callback();
    },
    final(callback) {
      rest += decoder.decode();
      if (rest.length > 0) onLine(rest);
      rest = "";
      callback();
    },
  });
}

/** Splits `2026-11-26T01:02:03.123456789Z text` (log timestamps=true) into time and text. */
export function splitTimestamp(line: string): { time: string; text: string } {
  const sp = line.indexOf(" ");
  if (sp > 0 && /^\d{4}-\d\d-\d\dT/.test(line)) return { time: line.slice(0, sp), text: line.slice(sp + 1) };
  return { time: "", text: line };
}
