/**
 * The bare git repositories, one per app (`<root>/<app>.git`). Implemented in packages/git;
 * used by the command layer (apps:create, apps:destroy) and the push handlers.
 */
export interface RepoStore {
  /** Creates the bare repo with its pre-receive hook; idempotent. Validates the name. */
  create(app: string): Promise<void>;
  /** True when the repo exists (a real directory, not a symlink). */
  exists(app: string): Promise<boolean>;
  /** Removes the repo (and only it). */
  remove(app: string): Promise<void>;
  /** Absolute path of the repo; validates the name. */
  path(app: string): string;
}
