import { join } from "node:path";
import type { ConnectionOptions } from "bullmq";
import type {
  BuildControl,
  BuildEngine,
  BuilderSettings,
  BuildRunner,
  ImageBuilder,
  Logger,
} from "@qs/core";
import { createContextStore } from "./context/context-store.ts";
import { startContextServer } from "./context/context-server.ts";
import { type BuilderJobOptions, resolveBuilderJobOptions, unpinnedBuilderImages } from "./jobs/options.ts";
import { createBuildQueue } from "./queue/build-queue.ts";
import { createBuildWorker } from "./queue/build-worker.ts";
import { hasAppImage, removeAppImages } from "./registry/app-images.ts";
import { createRegistryClient, type RegistryClientOptions } from "./registry/registry-client.ts";
import { createBuildService } from "./service.ts";
import type { StackOptions } from "./stacks/images.ts";

/** Everything the composition root hands over to run builds in this process. */
export interface BuildSystemOptions {
  /** BullMQ connection (options, or an ioredis instance made by @qs/redis with maxRetriesPerRequest: null). */
  readonly connection: ConnectionOptions;
  /** The cluster side (createBuildRunner from @qs/kube). */
  readonly runner: BuildRunner;
  /** The registry as the control plane reaches it. */
  readonly registry: RegistryClientOptions;
  /** The registry host as pods and nodes reach it, e.g. `registry.qs-system.svc:5000`. */
  readonly registryHost: string;
  /** Data dir; contexts go to `<dataDir>/build-contexts`. */
  readonly dataDir: string;
  /** The context server's address: listen here, and the URL builder pods use to reach it. */
  readonly contextServer: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string;
  };
  readonly logger: Logger;
  /** Per-app builder settings (the App spec's `builder`). */
  readonly builderSettings?: (app: string) => Promise<BuilderSettings>;
  /** @defaultValue "kaniko" */
  readonly defaultEngine?: BuildEngine;
  /** @defaultValue 2 */
  readonly concurrency?: number;
  /** @defaultValue 900000 (15 min) */
  readonly timeoutMs?: number;
  /** Images kept per app. @defaultValue 5 */
  readonly keepImages?: number;
  /** Builds (with output) kept per app. @defaultValue 10 */
  readonly keepBuilds?: number;
  /** Run a worker in this process. @defaultValue true */
  readonly worker?: boolean;
  readonly jobs?: BuilderJobOptions;
  readonly stacks?: StackOptions;
}

/** The running build system. */
export interface BuildSystem {
  /** The push pipeline's build step. */
  readonly builder: ImageBuilder;
  /** For `apps:builds`, `apps:builds-cancel`, `apps:builds-output`. */
  readonly control: BuildControl;
  /** `apps:destroy` deletes an app's images and build cache; `apps:rollback` checks one is there. */
  readonly images: {
    removeApp(app: string): Promise<{ deleted: number }>;
    has(app: string, image: string): Promise<boolean | undefined>;
  };
  /** Stops the worker, the queue and the context server; removes stored contexts. Idempotent. */
  close(): Promise<void>;
}

/** Wires queue, worker, context store and server, registry client and service together. */
export async function startBuildSystem(options: BuildSystemOptions): Promise<BuildSystem> {
  const contexts = createContextStore({
    dir: join(options.dataDir, "build-contexts"),
    baseUrl: options.contextServer.publicUrl,
  });
  const server = await startContextServer(contexts, options.contextServer);
  const queue = createBuildQueue({
    connection: options.connection,
    logger: options.logger.child({ component: "builds-queue" }),
    ...(options.keepBuilds === undefined ? {} : { keepBuilds: options.keepBuilds }),
  });
  const registry = createRegistryClient(options.registry);
  const worker =
    options.worker === false
      ? undefined
      : await createBuildWorker({
          queue,
          runner: options.runner,
          registry,
          registryHost: options.registryHost,
          contextUrl: (id) => contexts.issue(id),
          logger: options.logger.child({ component: "build-worker" }),
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.keepImages === undefined ? {} : { keepImages: options.keepImages }),
          ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
        });
  const unpinned = unpinnedBuilderImages(resolveBuilderJobOptions(options.jobs).images);
  if (worker !== undefined && unpinned.length > 0) {
    options.logger.warn(
      { images: unpinned },
      "builder images are not pinned by digest; set QS_BUILDER_KANIKO_IMAGE, QS_BUILDER_BUILDKIT_IMAGE and QS_BUILDER_FETCH_IMAGE to name:tag@sha256:… (install.sh does)",
    );
  }
  const builder = createBuildService({
    queue,
    contexts,
    logger: options.logger.child({ component: "builds" }),
    registryHost: options.registryHost,
    ...(options.builderSettings === undefined ? {} : { builderSettings: options.builderSettings }),
    ...(options.defaultEngine === undefined ? {} : { defaultEngine: options.defaultEngine }),
    ...(options.stacks === undefined ? {} : { stacks: options.stacks }),
  });
  let closing: Promise<void> | undefined;
  return {
    builder,
    control: queue,
    images: {
      removeApp: (app) => removeAppImages(registry, app),
      has: (app, image) => hasAppImage(registry, options.registryHost, app, image),
    },
    close() {
      // Worker first (it cancels running builds), then what they used.
      closing ??= (async () => {
        const first = await Promise.allSettled([worker?.close()]);
        const rest = await Promise.allSettled([queue.close(), server.close(), contexts.close()]);
        const failed = [...first, ...rest].find((r) => r.status === "rejected");
        if (failed !== undefined) throw failed.reason;
      })();
      return closing;
    },
  };
}
