import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/support/tmp.ts";
import { buildHookStub, hookClientPath } from "./hook-script.ts";
import { createRepoStore } from "./repo-store.ts";

const run = promisify(execFile);

/** A commit with an empty tree in the bare repo at `gitDir`; resolves with its sha. */
async function emptyCommit(gitDir: string): Promise<string> {
  const tree = (await run("git", ["--git-dir", gitDir, "hash-object", "-t", "tree", "-w", "/dev/null"])).stdout.trim();
  const env = { ...process.env, GIT_AUTHOR_NAME: "a", GIT_AUTHOR_EMAIL: "a@b", GIT_COMMITTER_NAME: "a", GIT_COMMITTER_EMAIL: "a@b" };
  return (await run("git", ["--git-dir", gitDir, "commit-tree", tree, "-m", "old"], { env })).stdout.trim();
}

describe("createRepoStore (real git)", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it("creates a bare repo with fsck on and the hook, idempotently, and removes it", async () => {
    const repos = createRepoStore({ root: join(dir.path, "repos") });
    await repos.create("shop");
    await repos.create("shop");
    const path = repos.path("shop");
    expect(path).toBe(join(dir.path, "repos", "shop.git"));
    expect(await repos.exists("shop")).toBe(true);
    const { stdout } = await run("git", ["--git-dir", path, "config", "receive.fsckObjects"]);
    expect(stdout.trim()).toBe("true");
    const hook = join(path, "hooks", "pre-receive");
    expect(await readFile(hook, "utf8")).toBe(buildHookStub(repos.root));
    expect((await stat(hook)).mode & 0o111).not.toBe(0);
    expect(existsSync(hookClientPath(repos.root))).toBe(true);
    await repos.remove("shop");
    expect(await repos.exists("shop")).toBe(false);
  });

  it("gives a new app an empty repo, moving one left by an earlier app of that name aside", async () => {
    const repos = createRepoStore({ root: join(dir.path, "repos") });
    expect(await repos.createEmpty("shop")).toEqual({});
    // An earlier "shop" whose destroy never removed its repo: it has a commit.
    await run("git", ["--git-dir", repos.path("shop"), "update-ref", "refs/heads/main", await emptyCommit(repos.path("shop"))]);
    const { movedAside } = await repos.createEmpty("shop");
    expect(movedAside).toMatch(new RegExp(`^${join(dir.path, "repos", ".orphaned", "shop-")}.+\\.git$`));
    // The old history is kept there; the new repo has none, and repairAll skips the attic.
    const old = await run("git", ["--git-dir", movedAside!, "rev-parse", "refs/heads/main"]);
    expect(old.stdout.trim()).toMatch(/^[0-9a-f]{40}$/);
    await expect(run("git", ["--git-dir", repos.path("shop"), "rev-parse", "--verify", "refs/heads/main"])).rejects.toThrow();
    expect(await repos.repairAll()).toEqual(["shop"]);
  });

  it("repairs a missing or edited hook", async () => {
    const repos = createRepoStore({ root: join(dir.path, "repos") });
    await repos.create("shop");
    const hook = join(repos.path("shop"), "hooks", "pre-receive");
    await rm(hook);
    await writeFile(hookClientPath(repos.root), "tampered");
    expect(await repos.repairAll()).toEqual(["shop"]);
    expect(await readFile(hook, "utf8")).toBe(buildHookStub(repos.root));
    expect(await readFile(hookClientPath(repos.root), "utf8")).not.toBe("tampered");
  });

  it("refuses invalid names and symlinks instead of following them", async () => {
    const repos = createRepoStore({ root: join(dir.path, "repos") });
    for (const bad of ["../etc", "a/b", "..", "Shop", ""]) {
      expect(() => repos.path(bad)).toThrow(/app name/);
      await expect(repos.create(bad)).rejects.toThrow(/app name/);
    }
    const outside = join(dir.path, "outside");
    await mkdir(outside);
    await mkdir(repos.root, { recursive: true });
    await symlink(outside, join(repos.root, "evil.git"));
    expect(await repos.exists("evil")).toBe(false);
    await expect(repos.create("evil")).rejects.toThrow(/not a plain directory/);
    await expect(repos.remove("evil")).rejects.toThrow(/not a plain directory/);
    expect(existsSync(outside)).toBe(true);
  });

  it("the hook refuses a push that does not come through QuickStack", async () => {
    const repos = createRepoStore({ root: join(dir.path, "repos") });
    await repos.create("shop");
    const work = join(dir.path, "work");
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    };
    await run("git", ["init", "-q", "-b", "main", work]);
    await writeFile(join(work, "a.txt"), "a");
    await run("git", ["add", "."], { cwd: work, env });
    await run("git", ["commit", "-q", "-m", "a"], { cwd: work, env });
    const pushed = run("git", ["push", repos.path("shop"), "main"], { cwd: work, env });
    await expect(pushed).rejects.toThrow(/accepts pushes only through QuickStack/);
    await expect(
      run("git", [
        "--git-dir",
        repos.path("shop"),
        "rev-parse",
        "--verify",
        "-q",
        "refs/heads/main",
      ]),
    ).rejects.toThrow();
  });
});
