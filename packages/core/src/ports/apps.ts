import type { App, AppSpec, Release } from "../app.ts";
import type { OutputSink } from "./output.ts";

/**
 * Apps as stored in the cluster (the App custom resource, one namespace per app).
 * Implemented in packages/kube; used by the command layer, git, builds and the web.
 */
export interface AppStore {
  list(): Promise<readonly App[]>;
  /** Throws AppNotFoundError. */
  get(name: string): Promise<App>;
  exists(name: string): Promise<boolean>;
  /** Creates the app (namespace, App object, empty config Secret). ConflictError APP_EXISTS. */
  create(name: string, createdBy: string, spec?: Partial<AppSpec>): Promise<App>;
  /** Read-modify-write of the spec, retried on 409 Conflict so concurrent edits all survive. */
  update(name: string, mutate: (spec: AppSpec) => AppSpec): Promise<App>;
  /** Deletes the App; Kubernetes garbage-collects everything it owns. */
  destroy(name: string): Promise<void>;
}

/** An app's config vars (one Secret per app; values never logged or put in pod specs). */
export interface ConfigStore {
  get(app: string): Promise<Readonly<Record<string, string>>>;
  /** Read-modify-write retried on 409; returns the new vars and their hash. */
  update(
    app: string,
    mutate: (vars: Readonly<Record<string, string>>) => Record<string, string>,
  ): Promise<{ vars: Readonly<Record<string, string>>; hash: string }>;
}

/** What a push hands over to make a release from a built image. */
export interface DeployRequest {
  readonly app: string;
  /** `registry/app@sha256:…` */
  readonly image: string;
  readonly gitSha: string;
  /** Procfile process type → command; empty = image CMD as `web`. */
  readonly processes: Readonly<Record<string, string>>;
  readonly releaseCommand?: string;
  readonly author: string;
  readonly description: string;
}

/**
 * Releases and rollouts. Every method that changes what runs makes a new immutable release,
 * runs the release phase, rolls out, waits for readiness with progress lines, and on failure
 * rolls back to the previous release and throws DeployFailedError saying why.
 */
export interface ReleaseManager {
  /** Newest first. */
  list(app: string): Promise<readonly Release[]>;
  /** Throws NotFoundError RELEASE_NOT_FOUND. */
  get(app: string, number: number): Promise<Release>;
  deploy(request: DeployRequest, out: OutputSink, signal: AbortSignal): Promise<Release>;
  /**
   * A new release with the current image and current config (after config changes).
   * Resolves undefined when the app has no release yet (nothing to restart).
   */
  reconfigure(
    app: string,
    author: string,
    description: string,
    out: OutputSink,
    options?: { wait?: boolean },
  ): Promise<Release | undefined>;
  /** A new release with vN's image and config. */
  rollback(app: string, number: number, author: string, out: OutputSink): Promise<Release>;
}
