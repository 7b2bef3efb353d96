import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, runGit, startGitHarness, type GitHarness } from "./harness.ts";

let h: GitHarness;
beforeAll(async () => {
  h = await startGitHarness();
});
afterAll(async () => {
  await h.close();
});

describe.each(["ssh", "http"] as const)("app names do not leak over %s", (transport) => {
  it("a user without access hears the same for a missing app and a hidden one", async () => {
    const hidden = `hidden-${transport}`;
    const missing = `missing-${transport}`;
    h.apps.add(hidden);
    const work = join(h.dir, `leak-${transport}`);
    await makeRepo(work, { "a.txt": "a" });
    const url = (app: string): string =>
      transport === "ssh" ? h.sshUrl(app) : h.httpUrl(app, "bob");
    const answer = async (app: string, verb: "push" | "ls-remote"): Promise<string> => {
      const args = verb === "push" ? ["push", url(app), "main"] : ["ls-remote", url(app)];
      const r = await runGit(args, { cwd: work, key: h.bob });
      expect(r.code).not.toBe(0);
      // Only the name differs; everything else the client sees must be identical.
      return r.stderr.replaceAll(app, "APP");
    };
    for (const verb of ["push", "ls-remote"] as const) {
      const fromHidden = await answer(hidden, verb);
      expect(fromHidden).toContain('you (bob) do not have access to app "APP"');
      expect(await answer(missing, verb)).toBe(fromHidden);
    }
    expect(existsSync(h.repo(missing))).toBe(false);
    expect(existsSync(h.repo(hidden))).toBe(false);
  });
});
