import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@qs/core";
import type { RestClient } from "../rest/client.ts";
import type { ObjectList } from "../rest/resource.ts";
import { watchOnce } from "../rest/watch.ts";
import type { KubeObject } from "../rest/wire.ts";

/** A running watch that calls back with every changed object; restarts itself on errors. */
export interface Watch {
  /** Lists once (rejects if that fails), then watches in the background. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

/** What is remembered of each object: enough to report its deletion, nothing more. */
const identity = (o: KubeObject): KubeObject => ({
  metadata: {
    ...(o.metadata?.name === undefined ? {} : { name: o.metadata.name }),
    ...(o.metadata?.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
    ...(o.metadata?.labels === undefined ? {} : { labels: o.metadata.labels }),
  },
});

/**
 * List+watch `path` (a collection across all namespaces): every listed and every changed
 * object goes to `onChange`. A watch the server closes resumes from the last resourceVersion;
 * 410 Gone lists again (objects gone since are reported as deleted); any other failure
 * waits `restartDelayMs` first, so a down API server is not hammered. Unlike an informer it
 * keeps no copy of the objects, only their names and labels: the reconciler reads what it
 * needs when it runs.
 */
export function createWatch(options: {
  rest: RestClient;
  path: string;
  labelSelector?: string;
  onChange: (obj: KubeObject) => void;
  logger: Logger;
  restartDelayMs: number;
}): Watch {
  const known = new Map<string, KubeObject>();
  let resourceVersion: string | undefined;
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  const selector = options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector };

  async function relist(): Promise<void> {
    const list = await options.rest.json<ObjectList<KubeObject>>("GET", options.path, { query: selector });
    const seen = new Set<string>();
    for (const obj of list.items) {
      seen.add(keyOf(obj));
      known.set(keyOf(obj), identity(obj));
      options.onChange(obj);
    }
    for (const [key, obj] of known) {
      if (seen.has(key)) continue;
      known.delete(key);
      options.onChange(obj);
    }
    resourceVersion = list.metadata?.resourceVersion;
  }

  async function run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (resourceVersion === undefined) {
        try {
          await relist();
        } catch (err) {
          options.logger.warn({ path: options.path, err: (err as Error).message }, "list failed; retrying");
          await sleep(options.restartDelayMs, undefined, { signal }).catch(() => undefined);
          continue;
        }
      }
      const end = await watchOnce<KubeObject>(
        options.rest,
        options.path,
        { ...selector, resourceVersion },
        (event) => {
          resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          if (event.type === "BOOKMARK") return;
          if (event.type === "DELETED") known.delete(keyOf(event.object));
          else known.set(keyOf(event.object), identity(event.object));
          options.onChange(event.object);
        },
        signal,
      );
      if (end.kind === "expired") resourceVersion = undefined;
      if (end.kind === "failed") {
        options.logger.warn({ path: options.path, err: end.error.message }, "watch failed; re-establishing");
        await sleep(options.restartDelayMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  return {
    async start() {
      if (controller !== undefined) return;
      await relist();
      controller = new AbortController();
      loop = run(controller.signal);
    },
    async stop() {
      controller?.abort();
      await loop;
      controller = undefined;
      loop = undefined;
    },
  };
}
