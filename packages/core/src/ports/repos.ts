/**
 * The bare git repositories, one per app (`<root>/<app>.git`). Implemented in packages/git;
 * used by the command layer (apps:create, apps:destroy) and the push handlers.
 */
export interface RepoStore {
  /** Creates the bare repo with its pre-receive hook; idempotent. Validates the name. */
  create(app: string): Promise<void>;
  /**
   * Creates an empty repo for a new app. A repo left by an earlier app of that name (a
   * destroy that failed half-way) is moved aside first, never handed to the new app;
   * resolves with where it went.
   */
  createEmpty(app: string): Promise<{ movedAside?: string }>;
  /** True when the repo exists (a real directory, not a symlink). */
  exists(app: string): Promise<boolean>;
  /** Removes the repo (and only it). */
  remove(app: string): Promise<void>;
  /** Absolute path of the repo; validates the name. */
  path(app: string): string;
}
