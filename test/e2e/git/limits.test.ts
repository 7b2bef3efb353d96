import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, refOf, runGit, startGitHarness, type GitHarness } from "./harness.ts";

let h: GitHarness;
beforeAll(async () => {
  // Above the 51 MiB file below, which compresses to almost nothing in the pack.
  h = await startGitHarness("8Mi");
});
afterAll(async () => {
  await h.close();
});

describe.each(["ssh", "http"] as const)("large files over %s", (transport) => {
  it("a file over 50 MiB gets a remote: warning naming it and its size; the push lands", async () => {
    const app = `large-${transport}`;
    h.apps.add(app);
    const work = join(h.dir, app);
    const sha = await makeRepo(work, {
      "media/intro.mp4": Buffer.alloc(51 * 1024 * 1024),
      "small.txt": "small",
    });
    const url = transport === "ssh" ? h.sshUrl(app) : h.httpUrl(app);
    const r = await runGit(["push", url, "main"], { cwd: work, key: h.ann });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/remote: !\s+warning: media\/intro\.mp4 is 51 MiB/);
    expect(r.stderr).not.toContain("small.txt");
    expect(await refOf(h.repo(app), "refs/heads/main")).toBe(sha);
  });
});
