import {
  CancelledError,
  describeError,
  formatDuration,
  QsError,
  defaultHost,
  detail,
  shortSha,
  step,
  type AppStore,
  type ImageBuilder,
  type Logger,
  type OutputSink,
  type Push,
  type PushPipeline,
  type PushVerdict,
  type ReleaseManager,
} from "@qs/core";

/** What the push pipeline is made of. */
export interface PushPipelineOptions {
  readonly builder: ImageBuilder;
  readonly releases: ReleaseManager;
  readonly apps: AppStore;
  readonly logger: Logger;
  /** Apps are served at `<app>.<baseDomain>` besides their own domains. */
  readonly baseDomain: string;
  /** `https` once certificates are issued; `http` for local clusters. @defaultValue "https" */
  readonly scheme?: "http" | "https";
  /** Milliseconds since epoch; injected by tests. @defaultValue Date.now */
  readonly now?: () => number;
}

/**
 * Build → release → deploy for one push of the deploy branch (docs/architecture.md, "A push"). The
 * verdict decides whether git moves the ref: any failure rejects the push, the running
 * release stays, and the last lines say why and what to do next.
 */
export function createPushPipeline(options: PushPipelineOptions): PushPipeline {
  const now = options.now ?? Date.now;
  return {
    async run(push: Push, out: OutputSink, signal: AbortSignal): Promise<PushVerdict> {
      const started = now();
      const sha = push.update.newSha;
      const log = options.logger.child({ push: push.id, app: push.app, sha: shortSha(sha) });
      try {
        out.line(step(`Building ${push.app} (${shortSha(sha)})`));
        const image = await options.builder.build(push, out, signal);
        signal.throwIfAborted();
        // The builder's own output ends with `-----> Image …@sha256:…`: the digest is said
        // once there, here only how long it took.
        out.line(step(`Built in ${formatDuration(now() - started)}`));
        const release = await options.releases.deploy(
          {
            app: push.app,
            image: image.image,
            gitSha: sha,
            processes: image.processes,
            ...(image.releaseCommand === undefined ? {} : { releaseCommand: image.releaseCommand }),
            author: push.principal.user,
            description: `Deploy ${shortSha(sha)}`,
          },
          out,
          signal,
        );
        // The release manager has printed `=====> Released vN`; the push adds time and URLs.
        out.line(detail(`v${release.number} deployed in ${formatDuration(now() - started)}`));
        for (const url of await urlsOf(options, push.app)) out.line(detail(url));
        log.info({ release: release.number }, "push deployed");
        return { ok: true };
      } catch (err) {
        const reason = signal.aborted && !(err instanceof QsError) ? new CancelledError("the push was cancelled") : err;
        log.warn({ err: reason instanceof QsError ? reason.code : reason }, "push rejected");
        const hint = reason instanceof QsError ? reason.hint : undefined;
        const message = reason instanceof QsError ? reason.message : describeError(reason);
        // git prints the reason as `!     ` lines when it rejects the push (packages/git).
        return {
          ok: false,
          reason: [message, ...(hint === undefined ? [] : [hint]), "the running release was not changed"].join("\n"),
        };
      }
    },
  };
}

async function urlsOf(options: PushPipelineOptions, app: string): Promise<string[]> {
  const scheme = options.scheme ?? "https";
  const spec = (await options.apps.get(app)).spec;
  return [defaultHost(app, spec, options.baseDomain), ...spec.domains].map((host) => `${scheme}://${host}/`);
}
