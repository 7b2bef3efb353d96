import { type KubeConfig, type KubernetesObject, type ListPromise, makeInformer } from "@kubernetes/client-node";
import type { Logger } from "@qs/core";

/** A running watch that calls back with every changed object; restarts itself on errors. */
export interface Watch {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * List+watch `path` with client-node's informer (which relists on 410 Gone) and re-establish
 * it after any other error, with a delay so a down API server is not hammered.
 */
export function createWatch<T extends KubernetesObject>(options: {
  config: KubeConfig;
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  onChange: (obj: T) => void;
  logger: Logger;
  restartDelayMs: number;
}): Watch {
  const informer = makeInformer<T>(options.config, options.path, options.list, options.labelSelector);
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  for (const verb of ["add", "update", "delete"] as const) informer.on(verb, (obj) => options.onChange(obj));
  informer.on("error", (err) => {
    if (stopped) return;
    options.logger.warn({ path: options.path, err: (err as Error | undefined)?.message }, "watch failed; re-establishing");
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) informer.start().catch(() => undefined);
    }, options.restartDelayMs);
  });
  return {
    async start() {
      stopped = false;
      await informer.start();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
  };
}
