/**
 * Review apps as the push path sees them (implemented in packages/commands/src/previews).
 * A push of a branch other than the deploy branch goes to the branch's preview app.
 */
export interface PreviewPushes {
  /**
   * The preview app a push of `branch` deploys to, created (config copied from the parent)
   * when it is new and marked as pushed now. Undefined when `parent` has no previews enabled.
   * Throws LimitExceededError when the parent already has its limit of previews.
   */
  prepare(parent: string, branch: string, by: string): Promise<string | undefined>;
  /** Destroys the preview of `branch`; resolves its name, or undefined when there was none. */
  remove(parent: string, branch: string): Promise<string | undefined>;
}
