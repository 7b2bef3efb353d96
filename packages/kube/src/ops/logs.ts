import { setTimeout as sleep } from "node:timers/promises";
import { type AppLogLine, type AppLogOptions, appNamespace } from "@qs/core";
import { type KubeApis, podLogPath } from "../apis.ts";
import { LABEL_APP, LABEL_PROCESS } from "../labels.ts";
import { type WatchEvent, watchOnce } from "../rest/watch.ts";
import type { Pod } from "../rest/wire.ts";
import { lineSplitter, splitTimestamp } from "./line-splitter.ts";
import { hasStarted, processOf, restartsOf } from "./pod-state.ts";
import { SourceNamer, byAge } from "./source-names.ts";

/** Dependencies of streamAppLogs. */
export interface LogDeps {
  readonly apis: KubeApis;
  /** Wait before re-watching after a watch fails (or closes as soon as it opened). @defaultValue 1000 */
  readonly rewatchDelayMs?: number;
}

function selectorFor(app: string, process: string | undefined): string {
  return process === undefined ? `${LABEL_APP}=${app}` : `${LABEL_APP}=${app},${LABEL_PROCESS}=${process}`;
}

/** Reads one pod's log once; resolves with its lines (timestamped), [] when unreadable. */
async function readOnce(apis: KubeApis, namespace: string, pod: Pod, tail: number): Promise<{ time: string; text: string }[]> {
  let text: string;
  try {
    text = await apis.rest.text(podLogPath(apis, namespace, pod.metadata?.name ?? ""), {
      query: { container: pod.spec?.containers[0]?.name, tailLines: tail, timestamps: true },
    });
  } catch {
    // The container has no log (yet): nothing to show for it.
    return [];
  }
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  if (lines.at(-1) === "") lines.pop();
  return lines.map(splitTimestamp);
}

/** Sleeps, resolving early (without throwing) when the signal aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * Streams the logs of all of an app's pods. Without follow: the last `tail` lines of each
 * pod, merged in time order. With follow: attaches to every pod, watches the pods and
 * attaches to new ones (rollouts, restarts), until the signal aborts.
 */
export async function streamAppLogs(
  deps: LogDeps,
  app: string,
  options: AppLogOptions,
  onLine: (line: AppLogLine) => void,
  signal: AbortSignal,
): Promise<void> {
  const { apis } = deps;
  const namespace = appNamespace(app);
  const labelSelector = selectorFor(app, options.process);
  const tail = options.tail ?? 100;
  const namer = new SourceNamer();
  const list = await apis.pods.list(namespace, { labelSelector });
  const pods = byAge(list.items);

  if (!options.follow) {
    const all: { time: string; source: string; text: string; seq: number }[] = [];
    let seq = 0;
    for (const pod of pods.filter(hasStarted)) {
      const source = namer.name(pod.metadata?.name ?? "", processOf(pod));
      for (const l of await readOnce(apis, namespace, pod, tail)) all.push({ ...l, source, seq: seq++ });
    }
    all.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq));
    for (const l of all) onLine({ source: l.source, line: l.text });
    return;
  }

  // pod name → the restart count we attached at and the handle that stops its stream.
  const attached = new Map<string, { restarts: number; abort: AbortController }>();
  const attach = (pod: Pod, tailLines: number | undefined): void => {
    const name = pod.metadata?.name ?? "";
    if (signal.aborted || !hasStarted(pod)) return;
    const restarts = restartsOf(pod);
    const current = attached.get(name);
    if (current !== undefined && current.restarts >= restarts) return;
    current?.abort.abort();
    const entry = { restarts, abort: new AbortController() };
    attached.set(name, entry);
    const source = namer.name(name, processOf(pod));
    const sink = lineSplitter((line) => {
      if (!signal.aborted) onLine({ source, line });
    });
    sink.on("error", () => undefined);
    apis.rest
      .stream(podLogPath(apis, namespace, name), {
        query: { follow: true, container: pod.spec?.containers[0]?.name, tailLines },
        signal: entry.abort.signal,
      })
      .then(
        (res) => {
          // Aborting the stream (how a follow stops) errors the response: expected.
          res.on("error", () => undefined);
          res.pipe(sink);
        },
        // Not readable (yet): forget it so the next pod event tries again.
        () => {
          if (attached.get(name) === entry) attached.delete(name);
        },
      );
  };
  for (const pod of pods) attach(pod, tail);

  const onEvent = (type: "ADDED" | "MODIFIED" | "DELETED", pod: Pod): void => {
    const name = pod.metadata?.name ?? "";
    if (type === "DELETED") {
      attached.get(name)?.abort.abort();
      attached.delete(name);
      namer.forget(name);
    } else {
      namer.name(name, processOf(pod));
      // New pods are shown from their first line; only pods running at the start are tailed.
      attach(pod, undefined);
    }
  };

  let resourceVersion = list.metadata?.resourceVersion;
  const relist = async (): Promise<void> => {
    resourceVersion = undefined;
    try {
      const fresh = await apis.pods.list(namespace, { labelSelector });
      resourceVersion = fresh.metadata?.resourceVersion;
      const names = new Set(fresh.items.map((p) => p.metadata?.name ?? ""));
      for (const name of [...attached.keys()]) {
        if (!names.has(name)) onEvent("DELETED", { metadata: { name } });
      }
      for (const pod of byAge(fresh.items)) onEvent("ADDED", pod);
    } catch {
      // The API is unreachable for now; the next watch attempt tries again (from scratch).
    }
  };
  const handle = (event: WatchEvent<Pod>): void => {
    if (event.type === "ERROR") return;
    if (event.object.metadata?.resourceVersion !== undefined) resourceVersion = event.object.metadata.resourceVersion;
    if (event.type !== "BOOKMARK") onEvent(event.type, event.object);
  };

  const delayMs = deps.rewatchDelayMs ?? 1000;
  try {
    // Watches end (server timeouts, 410 Gone, dropped connections): resume or list again.
    while (!signal.aborted) {
      const started = Date.now();
      const end = await watchOnce<Pod>(apis.rest, apis.pods.path(namespace), { labelSelector, resourceVersion }, handle, signal);
      if (end.kind === "aborted") break;
      if (end.kind === "expired") {
        await relist();
      } else if (end.kind === "failed") {
        await pause(delayMs, signal);
        if (!signal.aborted) await relist();
      } else if (Date.now() - started < delayMs) {
        // Closed as soon as it opened: do not spin against a server that keeps hanging up.
        await pause(delayMs, signal);
      }
    }
  } finally {
    for (const a of attached.values()) a.abort.abort();
  }
}
