import { type CoreV1Api, type KubeConfig, Log, type V1Pod, Watch } from "@kubernetes/client-node";
import { type AppLogLine, type AppLogOptions, appNamespace } from "@qs/core";
import { LABEL_APP, LABEL_PROCESS } from "../labels.ts";
import { guardPipedSource, lineSplitter, splitTimestamp } from "./line-splitter.ts";
import { hasStarted, processOf, restartsOf } from "./pod-state.ts";
import { SourceNamer, byAge } from "./source-names.ts";

/** Dependencies of streamAppLogs. */
export interface LogDeps {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  /** Wait before re-watching after a watch ends. @defaultValue 1000 */
  readonly rewatchDelayMs?: number;
}

function selectorFor(app: string, process: string | undefined): string {
  return process === undefined ? `${LABEL_APP}=${app}` : `${LABEL_APP}=${app},${LABEL_PROCESS}=${process}`;
}

/** Reads one pod's log once; resolves with its lines (timestamped), [] when unreadable. */
async function readOnce(log: Log, namespace: string, pod: V1Pod, tail: number): Promise<{ time: string; text: string }[]> {
  const lines: { time: string; text: string }[] = [];
  const sink = guardPipedSource(lineSplitter((l) => lines.push(splitTimestamp(l))));
  const done = new Promise<void>((resolve) => sink.on("finish", resolve).on("error", () => resolve()));
  try {
    await log.log(namespace, pod.metadata?.name ?? "", pod.spec?.containers[0]?.name ?? "", sink, {
      follow: false,
      tailLines: tail,
      timestamps: true,
    });
  } catch {
    // The container has no log (yet): nothing to show for it.
    return [];
  }
  await done;
  return lines;
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
  const namespace = appNamespace(app);
  const labelSelector = selectorFor(app, options.process);
  const tail = options.tail ?? 100;
  const log = new Log(deps.config);
  const namer = new SourceNamer();
  const list = await deps.core.listNamespacedPod({ namespace, labelSelector });
  const pods = byAge(list.items);

  if (!options.follow) {
    const all: { time: string; source: string; text: string; seq: number }[] = [];
    let seq = 0;
    for (const pod of pods.filter(hasStarted)) {
      const source = namer.name(pod.metadata?.name ?? "", processOf(pod));
      for (const l of await readOnce(log, namespace, pod, tail)) all.push({ ...l, source, seq: seq++ });
    }
    all.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq));
    for (const l of all) onLine({ source: l.source, line: l.text });
    return;
  }

  // pod name → the restart count we attached at and the stream's abort handle.
  const attached = new Map<string, { restarts: number; abort?: AbortController }>();
  const attach = (pod: V1Pod, tailLines: number | undefined): void => {
    const name = pod.metadata?.name ?? "";
    if (signal.aborted || !hasStarted(pod)) return;
    const restarts = restartsOf(pod);
    const current = attached.get(name);
    if (current !== undefined && current.restarts >= restarts) return;
    current?.abort?.abort();
    const entry: { restarts: number; abort?: AbortController } = { restarts };
    attached.set(name, entry);
    const source = namer.name(name, processOf(pod));
    const sink = guardPipedSource(
      lineSplitter((line) => {
        if (!signal.aborted) onLine({ source, line });
      }),
    );
    sink.on("error", () => undefined);
    log
      .log(namespace, name, pod.spec?.containers[0]?.name ?? "", sink, {
        follow: true,
        ...(tailLines === undefined ? {} : { tailLines }),
      })
      .then(
        (abort) => {
          entry.abort = abort;
          if (signal.aborted) abort.abort();
        },
        // Not readable (yet): forget it so the next pod event tries again.
        () => {
          if (attached.get(name) === entry) attached.delete(name);
        },
      );
  };
  for (const pod of pods) attach(pod, tail);

  const watch = new Watch(deps.config);
  let resourceVersion = list.metadata?.resourceVersion;
  let watchAbort: AbortController | undefined;
  const onEvent = (phase: string, pod: V1Pod): void => {
    const name = pod.metadata?.name ?? "";
    if (pod.metadata?.resourceVersion !== undefined) resourceVersion = pod.metadata.resourceVersion;
    if (phase === "DELETED") {
      attached.get(name)?.abort?.abort();
      attached.delete(name);
      namer.forget(name);
    } else if (phase === "ADDED" || phase === "MODIFIED") {
      namer.name(name, processOf(pod));
      // New pods are shown from their first line; only pods running at the start are tailed.
      attach(pod, undefined);
    }
  };

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      watchAbort?.abort();
      for (const a of attached.values()) a.abort?.abort();
      resolve();
    };
    if (signal.aborted) return stop();
    signal.addEventListener("abort", stop, { once: true });
    const start = (): void => {
      if (signal.aborted) return;
      watch
        .watch(
          `/api/v1/namespaces/${namespace}/pods`,
          { labelSelector, allowWatchBookmarks: true, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
          (phase, obj) => {
            if (phase !== "BOOKMARK") onEvent(phase, obj as V1Pod);
            else resourceVersion = (obj as V1Pod).metadata?.resourceVersion ?? resourceVersion;
          },
          (err: unknown) => {
            // Watches end (timeouts, 410 Gone, dropped connections): list again and resume.
            if (signal.aborted) return;
            if (err !== null && err !== undefined) resourceVersion = undefined;
            setTimeout(() => void relist().finally(start), deps.rewatchDelayMs ?? 1000).unref();
          },
        )
        .then(
          (abort) => {
            watchAbort = abort;
            if (signal.aborted) abort.abort();
          },
          () => setTimeout(() => void relist().finally(start), deps.rewatchDelayMs ?? 1000).unref(),
        );
    };
    const relist = async (): Promise<void> => {
      try {
        const fresh = await deps.core.listNamespacedPod({ namespace, labelSelector });
        resourceVersion = fresh.metadata?.resourceVersion;
        const names = new Set(fresh.items.map((p) => p.metadata?.name ?? ""));
        for (const name of [...attached.keys()]) {
          if (!names.has(name)) onEvent("DELETED", { metadata: { name } });
        }
        for (const pod of byAge(fresh.items)) onEvent("ADDED", pod);
      } catch {
        // The API is unreachable for now; the next watch attempt tries again.
      }
    };
    start();
  });
}
