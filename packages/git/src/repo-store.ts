import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseAppName, ValidationError, type RepoStore } from "@qs/core";
import { installHook } from "./hook-script.ts";
import { git } from "./run-git.ts";

/** Options for createRepoStore. */
export interface RepoStoreOptions {
  /** Directory holding `<app>.git` (created if missing). */
  root: string;
}

/** Bare repos under one root with their pre-receive hook, plus hook repair at boot. */
export interface GitRepoStore extends RepoStore {
  readonly root: string;
  /** Re-installs the hook where it is missing or stale; used at boot and before each push. */
  repairHook(app: string): Promise<void>;
  /** Repairs every repo's hook (boot). Returns the app names found. */
  repairAll(): Promise<string[]>;
}

/**
 * Bare repos at `<root>/<app>.git`. Paths come only from names that pass parseAppName
 * (DNS-1123 labels: no `/`, no `..`), and a symlink in a repo's place is refused rather
 * than followed, so nothing outside the root is ever written.
 */
export function createRepoStore(options: RepoStoreOptions): GitRepoStore {
  const root = resolve(options.root);
  const path = (app: string): string => join(root, `${parseAppName(app)}.git`);

  const kind = async (p: string): Promise<"dir" | "symlink" | "other" | "none"> => {
    try {
      const st = await lstat(p);
      if (st.isSymbolicLink()) return "symlink";
      return st.isDirectory() ? "dir" : "other";
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "none";
      throw err;
    }
  };
  const refuseOdd = (app: string, k: string): void => {
    if (k === "symlink" || k === "other") {
      throw new ValidationError(
        "REPO_NOT_A_DIRECTORY",
        `the repository of "${app}" is not a plain directory`,
        {
          hint: "an operator should remove the symlink or file in its place",
        },
      );
    }
  };

  const store: GitRepoStore = {
    root,
    path,
    async exists(app) {
      return (await kind(path(app))) === "dir";
    },
    async create(app) {
      const dir = path(app);
      const k = await kind(dir);
      refuseOdd(app, k);
      if (k === "none") {
        await mkdir(root, { recursive: true, mode: 0o700 });
        await git(["init", "--bare", "--quiet", "--initial-branch=main", dir]);
      }
      // Reject corrupt or malicious objects at receive time (CVE-class object bugs).
      await git(["config", "receive.fsckObjects", "true"], { cwd: dir });
      await installHook(root, dir);
    },
    async createEmpty(app) {
      const dir = path(app);
      const k = await kind(dir);
      refuseOdd(app, k);
      let movedAside: string | undefined;
      if (k === "dir") {
        // Kept, not deleted (nothing lost), but out of reach of git and of repairAll.
        const attic = join(root, ".orphaned");
        await mkdir(attic, { recursive: true, mode: 0o700 });
        movedAside = join(attic, `${app}-${new Date().toISOString().replace(/[:.]/g, "-")}.git`);
        await rename(dir, movedAside);
      }
      await store.create(app);
      return movedAside === undefined ? {} : { movedAside };
    },
    async remove(app) {
      const dir = path(app);
      const k = await kind(dir);
      refuseOdd(app, k);
      if (k === "dir") await rm(dir, { recursive: true, force: true });
    },
    async repairHook(app) {
      const dir = path(app);
      refuseOdd(app, await kind(dir));
      await installHook(root, dir);
    },
    async repairAll() {
      await mkdir(root, { recursive: true, mode: 0o700 });
      const apps: string[] = [];
      for (const entry of await readdir(root, { withFileTypes: true })) {
        if (!entry.isDirectory() || !entry.name.endsWith(".git")) continue;
        const app = entry.name.slice(0, -4);
        try {
          parseAppName(app);
        } catch {
          continue;
        }
        await installHook(root, join(root, entry.name));
        apps.push(app);
      }
      return apps;
    },
  };
  return store;
}
