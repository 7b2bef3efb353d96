import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gate, makeRepo, refOf, runGit, startGitHarness, type GitHarness } from "./harness.ts";

describe("graceful shutdown", () => {
  let h: GitHarness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  const startedRun = (harness: GitHarness, app: string): Promise<void> =>
    expect.poll(() => harness.runs.some((r) => r.app === app), { timeout: 30_000 }).toBe(true);

  it("lets a running push finish within the grace period", async () => {
    h = await startGitHarness("2Mi", "30");
    const harness = h;
    harness.apps.add("slow");
    const held = gate();
    harness.scripts.set("slow", async (_p, out) => {
      await held.promise;
      out.line("=====> Released v1");
      return { ok: true };
    });
    const work = join(harness.dir, "slow");
    const sha = await makeRepo(work, { "a.txt": "a" });
    const pushing = runGit(["push", harness.sshUrl("slow"), "main"], {
      cwd: work,
      key: harness.ann,
    });
    await startedRun(harness, "slow");
    const closing = harness.plane.close();
    held.open();
    const r = await pushing;
    await closing;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("remote: =====> Released v1");
    expect(await refOf(harness.repo("slow"), "refs/heads/main")).toBe(sha);
  });

  it("cancels a push still running when the grace period ends; the ref stays", async () => {
    h = await startGitHarness("2Mi", "1");
    const harness = h;
    harness.apps.add("stuck");
    harness.scripts.set("stuck", async (_p, _out, signal) => {
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      return { ok: true };
    });
    const work = join(harness.dir, "stuck");
    await makeRepo(work, { "a.txt": "a" });
    const pushing = runGit(["push", harness.sshUrl("stuck"), "main"], {
      cwd: work,
      key: harness.ann,
    });
    await startedRun(harness, "stuck");
    await harness.plane.close();
    const r = await pushing;
    expect(r.code).not.toBe(0);
    expect(harness.runs.find((x) => x.app === "stuck")?.outcome).toBe("aborted");
    expect(await refOf(harness.repo("stuck"), "refs/heads/main")).toBeUndefined();
  });
});
