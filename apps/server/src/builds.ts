import type { QsConfig } from "@qs/config";
import type { AppStore, Logger } from "@qs/core";
import { startBuildSystem, type BuildSystem } from "@qs/builder";
import type { BuildRunner } from "@qs/core";

/** BullMQ connection options from a redis:// URL (blocking commands must never time out). */
export function bullConnection(url: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  maxRetriesPerRequest: null;
} {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db === undefined || Number.isNaN(db) ? {} : { db }),
    maxRetriesPerRequest: null,
  };
}

/** Starts the builds queue, worker and build-context server for this control plane. */
export function startBuilds(
  config: QsConfig,
  deps: { runner: BuildRunner; apps: AppStore; logger: Logger },
): Promise<BuildSystem> {
  return startBuildSystem({
    connection: bullConnection(config.redisUrl),
    runner: deps.runner,
    registry: {
      url: config.registry.url,
      ...(config.registry.username === undefined ? {} : { username: config.registry.username }),
      ...(config.registry.password === undefined ? {} : { password: config.registry.password }),
    },
    registryHost: config.registry.host,
    dataDir: config.dataDir,
    contextServer: {
      host: config.build.contextHost,
      port: config.build.contextPort,
      publicUrl: config.build.contextUrl,
    },
    logger: deps.logger,
    builderSettings: async (app) => (await deps.apps.get(app)).spec.builder,
    defaultEngine: config.build.builder,
    concurrency: config.build.concurrency,
    timeoutMs: config.build.timeoutSeconds * 1000,
    keepImages: config.build.keepImages,
    jobs: {
      insecureRegistry: config.registry.url.startsWith("http:"),
      images: config.build.images,
      ...(config.build.registryMirror === undefined
        ? {}
        : { registryMirror: config.build.registryMirror }),
      mirrors: config.build.mirrors,
    },
    stacks: { pinned: config.build.baseImages, mirrors: config.build.mirrors },
  });
}
