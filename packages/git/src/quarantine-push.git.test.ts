import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterAll, describe, expect, it } from "vitest";
import { createQuarantinePush } from "./quarantine-push.ts";

// The build context is `git archive` of the pushed commit; the builder fetched an empty
// one ("tar: short read") on the real cluster when git finished before the archive was read.

const dir = mkdtempSync(join(tmpdir(), "qs-archive-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

describe("a push's archive", () => {
  git("init", "-q", "-b", "main");
  writeFileSync(join(dir, "package.json"), '{"name":"x"}\n');
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one");
  const sha = git("rev-parse", "HEAD");
  const push = (newSha: string) =>
    createQuarantinePush({
      id: "p1",
      app: "shop",
      principal: { user: "alice", role: "admin" },
      update: { ref: "refs/heads/main", oldSha: "0".repeat(40), newSha },
      repoDir: join(dir, ".git"),
      quarantine: {},
    });

  it("keeps the whole tar when it is read only after git has exited", async () => {
    const stream = await push(sha).archive();
    await new Promise((r) => setTimeout(r, 500));
    const tar = await text(stream);
    expect(tar.length).toBeGreaterThan(1024);
    expect(tar).toContain("package.json");
  });

  it("fails, instead of ending short, when git archive fails", async () => {
    const stream = await push("f".repeat(40)).archive();
    await expect(text(stream)).rejects.toThrow(/git archive f+ failed/);
  });
});
