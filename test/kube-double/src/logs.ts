import type { IncomingMessage, ServerResponse } from "node:http";
import type { KubeApi } from "./api.ts";
import type { Kubelet } from "./kubelet.ts";
import type { LogEntry } from "./logbuf.ts";
import type { RequestContext } from "./router.ts";
import { badRequest, notFound } from "./status.ts";

// GET /api/v1/namespaces/<ns>/pods/<name>/log: container, previous, follow, tailLines,
// sinceSeconds, sinceTime, timestamps, limitBytes, answered as text/plain like the kubelet.

/** Builds the pod log handler. */
export function createLogHandler(api: KubeApi, kubelet: Kubelet) {
  return async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> => {
    const q = ctx.query;
    const ns = ctx.path.namespace ?? "";
    const name = ctx.path.name ?? "";
    const pod = api.find(ctx.type, ns, name);
    if (!pod) throw notFound(ctx.type, name);
    const run = kubelet.pod(ns, name);
    const spec = pod.spec as { containers: { name: string }[]; initContainers?: { name: string }[] };
    const names = [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name);
    let container = q.get("container") ?? undefined;
    if (!container) {
      if (spec.containers.length > 1) {
        throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${spec.containers.map((c) => c.name).join(" ")}]`);
      }
      container = spec.containers[0]?.name;
    }
    if (!container || !names.includes(container)) throw badRequest(`container ${container ?? ""} is not valid for pod ${name}`);
    const c = run?.all().find((x) => x.name === container);
    if (!c || !c.started) {
      const reason = c && "waiting" in c.state ? c.state.waiting.reason : "ContainerCreating";
      throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
    }
    const previous = q.get("previous") === "true";
    // As the kubelet does: a container waiting to restart (CrashLoopBackOff) shows the
    // instance that last ran, for the current log as for --previous.
    const waitingAfterRun = "waiting" in c.state && c.previous !== undefined && c.logs.entries.length === 0;
    const buf = previous || waitingAfterRun ? c.previous : c.logs;
    if (!buf) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    const timestamps = q.get("timestamps") === "true";
    const sinceSeconds = q.get("sinceSeconds");
    const sinceTime = q.get("sinceTime");
    const since = sinceSeconds ? Date.now() - Number(sinceSeconds) * 1000 : sinceTime ? Date.parse(sinceTime) : undefined;
    const tail = q.get("tailLines");
    const limitBytes = q.get("limitBytes") ? Number(q.get("limitBytes")) : undefined;
    let entries = buf.entries.filter((e) => since === undefined || e.time.getTime() >= since);
    if (tail !== null) entries = Number(tail) === 0 ? [] : entries.slice(-Number(tail));
    const format = (e: LogEntry): string => (timestamps ? `${e.time.toISOString().replace("Z", "000000Z")} ${e.text}\n` : `${e.text}\n`);
    res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
    let sent = 0;
    const write = (text: string): boolean => {
      if (limitBytes !== undefined && sent + Buffer.byteLength(text) > limitBytes) {
        res.write(Buffer.from(text).subarray(0, limitBytes - sent));
        res.end();
        return false;
      }
      sent += Buffer.byteLength(text);
      res.write(text);
      return true;
    };
    for (const e of entries) if (!write(format(e))) return;
    if (q.get("follow") !== "true" || buf.ended) {
      res.end();
      return;
    }
    await new Promise<void>((resolve) => {
      const stop = buf.follow(
        (e) => {
          if (!write(format(e))) done();
        },
        () => done(),
      );
      const done = (): void => {
        stop();
        if (!res.writableEnded) res.end();
        resolve();
      };
      req.on("close", done);
    });
  };
}
