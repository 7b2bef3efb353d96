import { AppNotFoundError, ForbiddenError, type AccessControl, type Principal } from "@qs/core";
import { appOfRepo } from "./git-command.ts";
import type { GitRepoStore } from "./repo-store.ts";

/** What admission needs: who may touch what, which apps exist, where repos live. */
export interface AdmissionOptions {
  access: AccessControl;
  repos: GitRepoStore;
  /** True when the app exists (AppStore.exists once the app store is wired). */
  appExists(app: string): Promise<boolean>;
}

/**
 * Checks a git request before any git process starts: a valid app name, access for this
 * principal, and an existing app. Creates the repo if the app exists but its repo does not
 * yet (apps made before the repo store, or a lost volume) and repairs its hook.
 * Throws ValidationError, AppNotFoundError or ForbiddenError.
 */
export async function admitGitRequest(
  options: AdmissionOptions,
  principal: Principal,
  repo: string,
): Promise<{ app: string; repoDir: string }> {
  const app = appOfRepo(repo);
  // Access before existence, as the command layer does: someone without access to an app
  // hears the same answer whether or not it exists, so app names do not leak over git.
  if (!(await options.access.canAccessApp(principal, app))) {
    throw new ForbiddenError(`you (${principal.user}) do not have access to app "${app}"`, {
      hint: "ask an admin to give you access to it",
    });
  }
  if (!(await options.appExists(app))) throw new AppNotFoundError(app);
  if (await options.repos.exists(app)) await options.repos.repairHook(app);
  else await options.repos.create(app);
  return { app, repoDir: options.repos.path(app) };
}

/** One line for a user: `message — hint`, as git shows it after `remote:` or on stderr. */
export function oneLine(err: { message: string; hint?: string | undefined }): string {
  return err.hint === undefined ? err.message : `${err.message} — ${err.hint}`;
}
