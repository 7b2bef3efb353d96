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
): Promise<WatchEnd> {
  let expired = false;
  try {
    const res = await rest.stream(path, { query: { ...query, watch: true, allowWatchBookmarks: true }, signal });
    let partial = "";
    for await (const chunk of res) {
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
    if ((err as { code?: unknown }).code === 410) return { kind: "expired" };
    return { kind: "failed", error: err as Error };
  }
  if (signal.aborted) return { kind: "aborted" };
  return expired ? { kind: "expired" } : { kind: "closed" };
}
