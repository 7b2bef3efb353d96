import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, refOf, runGit, startGitHarness, type GitHarness } from "./harness.ts";

describe("smoke", () => {
  let h: GitHarness;
  beforeAll(async () => {
    h = await startGitHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  it("pushes over ssh and http", async () => {
    h.apps.add("shop");
    const work = join(h.dir, "w1");
    const sha = await makeRepo(work, { "index.js": "hello" });
    const r = await runGit(["push", h.sshUrl("shop"), "main"], { cwd: work, key: h.ann });
    console.log(r);
    expect(r.code).toBe(0);
    expect(await refOf(join(h.dir, "data", "repos", "shop.git"), "refs/heads/main")).toBe(sha);
    h.apps.add("blog");
    const r2 = await runGit(["push", h.httpUrl("blog"), "main"], { cwd: work });
    console.log(r2);
    expect(r2.code).toBe(0);
  });
});
