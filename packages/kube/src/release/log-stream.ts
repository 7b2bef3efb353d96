import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { OutputSink } from "@qs/core";
import { type KubeApis, podLogPath } from "../apis.ts";

/** A Writable that hands complete lines to `line` (the last partial line on end). */
export function lineWriter(line: (text: string) => void): Writable {
  let rest = "";
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const parts = (rest + chunk.toString("utf8")).split(/\r?\n/);
      rest = parts.pop() ?? "";
      for (const p of parts) line(p);
      done();
    },
    final(done) {
      if (rest !== "") line(rest);
      done();
    },
  });
}

/**
 * Follows a container's log into `out` (indented, as under a `----->` heading). Resolves
 * when the stream ends: the container exited, or `signal` aborted.
 */
export async function followLog(
  apis: KubeApis,
  target: { namespace: string; pod: string; container: string },
  out: OutputSink,
  signal: AbortSignal,
): Promise<void> {
  const writer = lineWriter((text) => out.line(`       ${text}`));
  const log = await apis.rest.stream(podLogPath(apis, target.namespace, target.pod), {
    query: { container: target.container, follow: true },
    signal,
  });
  // Ends when the container exits (the server closes the stream) or the signal aborts.
  await pipeline(log, writer).catch(() => undefined);
}

/** The last `lines` log lines of a container's previous (crashed) run; empty if none. */
export async function previousLogTail(
  apis: KubeApis,
  target: { namespace: string; pod: string; container: string },
  lines = 20,
): Promise<string[]> {
  for (const previous of [true, false]) {
    try {
      const text = await apis.rest.text(podLogPath(apis, target.namespace, target.pod), {
        query: { container: target.container, previous, tailLines: lines },
      });
      const out = text.split(/\r?\n/).filter((l, i, all) => l !== "" || i < all.length - 1);
      if (out.length > 0) return out;
    } catch {
      // No previous run (yet): fall back to the current one.
    }
  }
  return [];
}
