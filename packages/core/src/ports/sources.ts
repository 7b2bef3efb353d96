import type { Principal } from "../principal.ts";
import type { OutputSink } from "./output.ts";
import type { PushVerdict } from "./push.ts";

/** A deploy that QuickStack fetches itself (apps:deploy, a webhook) instead of receiving. */
export interface SourceDeployRequest {
  readonly app: string;
  /** A commit sha to deploy; undefined = the tip of the source branch. */
  readonly ref?: string;
  readonly principal: Principal;
}

/** What a fetched deploy did: the sha it deployed (or tried) and the pipeline's verdict. */
export type SourceDeployResult = PushVerdict & { readonly sha?: string };

/**
 * Fetches an app's source URL with the real git client into its repo and runs the commit
 * through the same pipeline and per-app lock as a push (packages/git).
 */
export interface SourceDeployer {
  deploy(request: SourceDeployRequest, out: OutputSink, signal: AbortSignal): Promise<SourceDeployResult>;
}
