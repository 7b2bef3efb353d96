import type { ApiStatus, Query, RestClient } from "./client.ts";

/** One watch event (metav1.WatchEvent); ERROR carries a Status, BOOKMARK only a resourceVersion. */
export type WatchEvent<T> = ObjectEvent<T> | { readonly type: "ERROR"; readonly object: ApiStatus };

/** An event about an object (ERROR events end the watch and are not passed on). */
export interface ObjectEvent<T> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  readonly object: T;
}

/** How a watch stream ended. */
export type WatchEnd =
  /** The server closed it (its timeout): resume from the last resourceVersion. */
  | { readonly kind: "closed" }
  /** 410 Gone: the resourceVersion is too old, list again. */
  | { readonly kind: "expired" }
  /** Network or HTTP failure. */
  | { readonly kind: "failed"; readonly error: Error }
  /** The caller's signal aborted. */
  | { readonly kind: "aborted" };

/** Limits of one watch stream. */
export interface WatchOptions {
  /** Asks the server to end the watch after this long (it is then resumed). @defaultValue 290 */
  readonly timeoutSeconds?: number;
  /** Ends the watch as failed when nothing (not even a bookmark) arrived for this long. @defaultValue (timeoutSeconds + 60) s */
  readonly silenceMs?: number;
}

/** Under five minutes, like client-go's reflector (it picks 5–10 min at random). */
const DEFAULT_TIMEOUT_SECONDS = 290;

/**
 * Streams one watch (`GET path?watch=true`, newline-delimited JSON events) into `onEvent`
 * and resolves with how it ended; never rejects.
 */
export async function watchOnce<T>(
  rest: RestClient,
  path: string,
  query: Query,
  onEvent: (event: ObjectEvent<T>) => void,
  signal: AbortSignal,
  options: WatchOptions = {},
): Promise<WatchEnd> {
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const silenceMs = options.silenceMs ?? (timeoutSeconds + 60) * 1000;
  // A connection that died without a FIN or RST (a NAT timeout, a node gone) delivers
  // nothing, not even an error: give up on it after a silence no healthy watch has.
  const silence = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const alive = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => silence.abort(), silenceMs);
  };
  let expired = false;
  try {
    alive();
    const res = await rest.stream(path, {
      query: { ...query, watch: true, allowWatchBookmarks: true, timeoutSeconds },
      signal: AbortSignal.any([signal, silence.signal]),
    });
    let partial = "";
    for await (const chunk of res) {
      alive();
      const lines = (partial + (chunk as Buffer).toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === "ERROR") {
          if (event.object.code === 410) expired = true;
          continue;
        }
        onEvent(event);
      }
    }
  } catch (err) {
    if (signal.aborted) return { kind: "aborted" };
    if (silence.signal.aborted) return { kind: "failed", error: new Error(`watch of ${path} silent for ${silenceMs} ms`) };
    if ((err as { code?: unknown }).code === 410) return { kind: "expired" };
    return { kind: "failed", error: err as Error };
  } finally {
    clearTimeout(timer);
  }
  if (signal.aborted) return { kind: "aborted" };
  return expired ? { kind: "expired" } : { kind: "closed" };
}
