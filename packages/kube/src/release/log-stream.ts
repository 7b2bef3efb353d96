import { Writable } from "node:stream";
import { Log } from "@kubernetes/client-node";
import type { OutputSink } from "@qs/core";
import type { KubeApis } from "../apis.ts";

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
  const ended = new Promise<void>((resolve) => {
    writer.on("finish", resolve);
    writer.on("close", resolve);
    writer.on("error", () => resolve());
  });
  const controller = await new Log(apis.config).log(target.namespace, target.pod, target.container, writer, {
    follow: true,
  });
  const abort = (): void => controller.abort();
  signal.addEventListener("abort", abort, { once: true });
  try {
    await ended;
  } finally {
    signal.removeEventListener("abort", abort);
  }
}

/** The last `lines` log lines of a container's previous (crashed) run; empty if none. */
export async function previousLogTail(
  apis: KubeApis,
  target: { namespace: string; pod: string; container: string },
  lines = 20,
): Promise<string[]> {
  for (const previous of [true, false]) {
    try {
      const text = await apis.core.readNamespacedPodLog({
        name: target.pod,
        namespace: target.namespace,
        container: target.container,
        previous,
        tailLines: lines,
      });
      const out = text.split(/\r?\n/).filter((l, i, all) => l !== "" || i < all.length - 1);
      if (out.length > 0) return out;
    } catch {
      // No previous run (yet): fall back to the current one.
    }
  }
  return [];
}
