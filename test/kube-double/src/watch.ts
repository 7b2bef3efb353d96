import type { ServerResponse } from "node:http";
import type { KubeApi } from "./api.ts";
import type { Matcher } from "./selectors.ts";
import { gone } from "./status.ts";
import { apiVersionOf, typeKey, type KubeObject, type ResourceType, type StoreEvent, type WatchEventType } from "./types.ts";

// Watch streams: newline-delimited {"type","object"} events over a chunked 200 response.
// A resourceVersion older than the retained history ends the stream with an ERROR event
// carrying a 410 Status (the client must relist). The server closes every watch after
// timeoutSeconds (or a randomised default, as the real server does) so clients re-establish.

export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  resourceVersion: string | undefined;
  match: Matcher;
  timeoutSeconds: number | undefined;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** Wraps each event object (server-side printing for `kubectl get -w`). */
  transform?: (o: KubeObject) => unknown;
}

export interface WatchSettings {
  /** Default server-side timeout is uniform in [min, 2*min] seconds. */
  minTimeoutSeconds: number;
  /** Interval of BOOKMARK events when the client allows them. */
  bookmarkIntervalMs: number;
  /** If set, the watch is dropped (closed without notice) after this many ms (faults). */
  dropAfterMs: number | undefined;
}

/** Serves one watch until timeout, client disconnect or server close. */
export function serveWatch(api: KubeApi, req: WatchRequest, res: ServerResponse, settings: WatchSettings, onClose: (end: () => void) => () => void): void {
  const key = typeKey(req.type);
  const inScope = (o: KubeObject): boolean => !req.type.namespaced || req.namespace === undefined || o.metadata.namespace === req.namespace;
  const matches = (o: KubeObject | undefined): boolean => o !== undefined && inScope(o) && req.match(o);
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  const send = (type: WatchEventType, object: unknown): void => {
    const shown = req.transform && type !== "ERROR" && type !== "BOOKMARK" ? req.transform(object as KubeObject) : object;
    res.write(`${JSON.stringify({ type, object: shown })}\n`);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: Record<string, unknown> = { resourceVersion: String(api.store.rv) };
    if (annotations) metadata.annotations = annotations;
    send("BOOKMARK", { kind: req.type.kind, apiVersion: apiVersionOf(req.type), metadata });
  };
  const rv = req.resourceVersion;
  const fromStart = rv === undefined || rv === "" || rv === "0" || req.sendInitialEvents;
  let backlog: StoreEvent[] | undefined = [];
  if (!fromStart) {
    const n = Number(rv);
    backlog = Number.isFinite(n) ? api.store.since(key, n) : undefined;
    if (!backlog) {
      const status = gone(`too old resource version: ${rv} (${api.store.compactedRv + 1})`).toStatus();
      send("ERROR", status);
      res.end();
      return;
    }
  }
  if (fromStart) {
    for (const o of api.store.list(key, req.type.namespaced ? req.namespace : undefined)) if (req.match(o)) send("ADDED", o);
    if (req.sendInitialEvents && req.allowBookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
  }
  const deliver = (e: StoreEvent): void => {
    if (e.key !== key) return;
    const now = matches(e.object);
    const before = e.type !== "ADDED" && matches(e.old);
    if (e.type === "DELETED") {
      if (before || now) send("DELETED", e.object);
    } else if (now && before) send("MODIFIED", e.object);
    else if (now) send("ADDED", e.object);
    else if (before) send("DELETED", e.object);
  };
  for (const e of backlog) deliver(e);
  const unsubscribe = api.store.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [];
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    clearInterval(bookmarks);
    unregister();
    res.end();
  };
  const unregister = onClose(end);
  const min = settings.minTimeoutSeconds;
  const timeoutMs = (req.timeoutSeconds ?? min * (1 + Math.random())) * 1000;
  timers.push(setTimeout(end, timeoutMs));
  if (settings.dropAfterMs !== undefined) timers.push(setTimeout(() => res.destroy(), settings.dropAfterMs));
  const bookmarks = setInterval(() => {
    if (req.allowBookmarks) bookmark();
  }, settings.bookmarkIntervalMs);
  res.on("close", end);
}
