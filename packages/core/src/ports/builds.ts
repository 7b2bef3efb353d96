import type { OutputSink } from "./output.ts";
import type { Push } from "./push.ts";

/** The two in-cluster image builders. */
export type BuildEngine = "kaniko" | "buildkit";

/** One builder Job to run: the manifest (a batch/v1 Job, built by @qs/builder) and its parts. */
export interface BuilderJobRequest {
  readonly namespace: string;
  /** metadata.name of the Job. */
  readonly name: string;
  /** The complete batch/v1 Job object, already validated by its builder. */
  readonly manifest: Readonly<Record<string, unknown>>;
  /** Containers whose logs are followed, in order (init container first). */
  readonly containers: readonly string[];
  /** The container whose termination message carries the image digest. */
  readonly builderContainer: string;
  /**
   * The digest a log line of the builder says it pushed to the destination (the image, not
   * a cache layer), or undefined. With `confirmPushed`, the runner goes on once the registry
   * confirms it instead of waiting for pod status to report the builder's exit.
   */
  readonly pushedDigest?: (line: string) => string | undefined;
  /** Whether the registry holds `digest` under the destination's tag (HEAD of the manifest). */
  readonly confirmPushed?: (digest: string) => Promise<boolean>;
}

/** One log line of a builder pod. */
export interface BuildLogLine {
  readonly container: string;
  readonly text: string;
}

/** How the builder pod ended. */
export interface BuilderOutcome {
  /** True when every container exited 0. */
  readonly succeeded: boolean;
  /** The container that failed (or the builder on success). */
  readonly container: string;
  readonly exitCode: number;
  /** Kubernetes' reason: `Completed`, `Error`, `OOMKilled`, `DeadlineExceeded` … */
  readonly reason?: string;
  /** The container's termination message (the digest file on success). */
  readonly message?: string;
  /**
   * The image's digest when the registry confirmed the builder's push before its exit was
   * reported (`message` is then absent).
   */
  readonly digest?: string;
}

/**
 * Runs builder Jobs on the cluster (implemented in packages/kube over client-node).
 * Errors talking to the API are thrown as UnavailableError (retryable); a pod that ran
 * and failed resolves with `succeeded: false`.
 */
export interface BuildRunner {
  /**
   * Creates the Job, waits for its pod, forwards each log line of `containers` in order
   * while they run, and resolves with how the pod ended. When `signal` aborts, deletes
   * the Job (and its pod) and rejects with CancelledError carrying the signal's reason.
   */
  run(
    request: BuilderJobRequest,
    onLine: (line: BuildLogLine) => void,
    signal: AbortSignal,
  ): Promise<BuilderOutcome>;
  /** Deletes the Jobs (and pods) matching a label selector; resolves with how many. */
  deleteJobs(namespace: string, labelSelector: string): Promise<number>;
}

/** An image built and pushed to the registry. */
export interface BuiltImage {
  /** `registry/app@sha256:…` — what a release pins. */
  readonly image: string;
  /** `registry/app:<sha>` */
  readonly tag: string;
  readonly digest: string;
  /** Procfile processes and release command of the pushed tree. */
  readonly processes: Readonly<Record<string, string>>;
  readonly releaseCommand?: string;
}

/** The push pipeline's build step. */
export interface ImageBuilder {
  /** Builds the pushed tree into an image; streams progress to `out`. */
  build(push: Push, out: OutputSink, signal: AbortSignal): Promise<BuiltImage>;
}

/** A build's lifecycle state as stored for `apps:builds`. */
export type BuildState = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** A stored build record with its (capped) output. */
export interface BuildRecord {
  readonly id: string;
  readonly app: string;
  readonly gitSha: string;
  readonly state: BuildState;
  readonly createdAt: string;
  readonly finishedAt?: string;
  /** The image digest reference when it succeeded. */
  readonly image?: string;
  /** Why it failed or was cancelled. */
  readonly reason?: string;
}

/** Builds as the command layer sees them (`apps:builds-cancel`, `apps:builds-output`). */
export interface BuildControl {
  /** Cancels the app's running or queued build; false when there was none. */
  cancel(app: string): Promise<boolean>;
  /** Newest first, at most the stored number per app. */
  list(app: string): Promise<readonly BuildRecord[]>;
  /** The stored output lines of one build (the newest when `id` is undefined). */
  output(
    app: string,
    id?: string,
  ): Promise<{ record: BuildRecord; lines: readonly string[] } | undefined>;
}
