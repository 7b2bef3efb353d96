import type { OutputSink } from "./output.ts";
import type { Principal } from "../principal.ts";

/** One ref update received by git, as handed to the pre-receive hook. */
export interface RefUpdate {
  /** 40 hex zeros when the ref is new. */
  readonly oldSha: string;
  /** 40 hex zeros when the ref is deleted. */
  readonly newSha: string;
  /** Full ref name, e.g. `refs/heads/main`. */
  readonly ref: string;
}

/** A push in progress, as seen by the pipeline. */
export interface Push {
  readonly id: string;
  readonly app: string;
  readonly principal: Principal;
  /** The update of the deploy branch (other refs are only stored). */
  readonly update: RefUpdate;
  /**
   * Makes a tar of the tree at `update.newSha`. During pre-receive the new objects are
   * only visible with the hook's quarantine environment, which this closure carries.
   */
  archive(): Promise<NodeJS.ReadableStream>;
  /** Reads one file of the pushed tree (e.g. Procfile), or undefined if absent. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Lists the paths in the pushed tree (for stack detection). */
  listFiles(): Promise<readonly string[]>;
}

/** The pipeline's verdict: accepted (ref moves) or rejected (ref stays). */
export type PushVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Build → release → deploy for one push. Implemented by the composition root. */
export interface PushPipeline {
  run(push: Push, out: OutputSink, signal: AbortSignal): Promise<PushVerdict>;
}
