import {
  BuildFailedError,
  CancelledError,
  QsError,
  UnavailableError,
  type BuildEngine,
} from "@qs/core";

/** Data of one job in the `builds` queue. The job id is the build id. */
export interface BuildJobData {
  readonly buildId: string;
  readonly app: string;
  readonly gitSha: string;
  readonly engine: BuildEngine;
  /** The repo's Dockerfile path, or the generated Dockerfile's text. */
  readonly dockerfile: { readonly path: string } | { readonly generated: string };
  readonly createdAt: string;
  /** Worker instance running it (set when it starts; used by crash recovery). */
  readonly worker?: string;
  /**
   * A push waits for this build and keeps its client lease alive (BuildQueue.holdClient);
   * once the lease lapses the push has gone and the worker cancels the build.
   */
  readonly clientLease?: boolean;
}

/** What a finished build returns. */
export interface BuildJobResult {
  readonly digest: string;
  /** `registry/app@sha256:…` */
  readonly image: string;
  /** `registry/app:<sha>` */
  readonly tag: string;
}

/** The `progress` payload a worker publishes: output lines, batched. */
export interface BuildProgress {
  readonly lines: readonly string[];
}

/** Custom queue event asking whichever worker runs a build to stop it. */
export const CANCEL_EVENT = "qs-build-cancel";

/**
 * failedReason is a string in BullMQ; QuickStack stores the QsError's JSON there so the
 * push, `apps:builds` and another process all get back the same class, code and hint.
 */
export function encodeFailure(err: unknown): string {
  if (err instanceof QsError) return JSON.stringify(err.toJSON());
  return JSON.stringify({
    code: "INTERNAL",
    message: "internal error (see the control plane log)",
  });
}

/** The QsError a failedReason stands for. */
export function decodeFailure(reason: string | undefined): QsError {
  let parsed: { code?: unknown; message?: unknown; hint?: unknown } = {};
  try {
    parsed = JSON.parse(reason ?? "") as typeof parsed;
  } catch {
    // Not ours: BullMQ's own reasons, e.g. a stalled job whose worker died.
    if (reason !== undefined && /stalled/.test(reason)) {
      return new BuildFailedError("the control plane restarted during this build", {
        hint: "push again",
      });
    }
    parsed = { code: "BUILD_ERROR", message: reason ?? "the build failed" };
  }
  const message = typeof parsed.message === "string" ? parsed.message : "the build failed";
  const options = typeof parsed.hint === "string" ? { hint: parsed.hint } : {};
  if (parsed.code === "CANCELLED") return new CancelledError(message, options);
  if (parsed.code === "BUILD_FAILED") return new BuildFailedError(message, options);
  return new UnavailableError(
    typeof parsed.code === "string" ? parsed.code : "BUILD_ERROR",
    message,
    options,
  );
}
