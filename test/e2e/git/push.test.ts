import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commit,
  makeRepo,
  must,
  refOf,
  runGit,
  startGitHarness,
  type GitHarness,
  type GitRun,
} from "./harness.ts";

let h: GitHarness;
beforeAll(async () => {
  h = await startGitHarness();
});
afterAll(async () => {
  await h.close();
});

describe.each(["ssh", "http"] as const)("git push over %s", (transport) => {
  const name = (base: string): string => `${base}-${transport}`;
  const url = (app: string, who: "ann" | "bob" = "ann"): string =>
    transport === "ssh" ? h.sshUrl(app) : h.httpUrl(app, who);
  const git = (args: string[], cwd: string, who: "ann" | "bob" = "ann"): Promise<GitRun> =>
    runGit(args, { cwd, key: who === "ann" ? h.ann : h.bob });
  const push = (
    cwd: string,
    app: string,
    refspec: string,
    who: "ann" | "bob" = "ann",
    flags: string[] = [],
  ) => git(["push", ...flags, url(app, who), refspec], cwd, who);

  it("first push, fast-forward and force-push run the pipeline with the pushed tree", async () => {
    const app = name("shop");
    h.apps.add(app);
    const seen: { files: readonly string[]; procfile: string | undefined; tarBytes: number }[] = [];
    h.scripts.set(app, async (p, out) => {
      const stream = await p.archive();
      let tarBytes = 0;
      for await (const chunk of stream) tarBytes += (chunk as Buffer).length;
      seen.push({
        files: await p.listFiles(),
        procfile: (await p.readFile("Procfile"))?.toString(),
        tarBytes,
      });
      out.line(`-----> Building ${p.app}`);
      out.line("=====> Released v1");
      return { ok: true };
    });
    const work = join(h.dir, app);
    const first = await makeRepo(work, { Procfile: "web: node index.js\n", "src/index.js": "1" });
    const r1 = await push(work, app, "main");
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stderr).toMatch(/remote: -----> Building shop-/);
    expect(r1.stderr).toContain("remote: =====> Released v1");
    expect(await refOf(h.repo(app), "refs/heads/main")).toBe(first);
    // The pipeline read the tree from quarantine (the objects were not in the repo yet).
    expect(seen[0]).toMatchObject({
      files: ["Procfile", "src/index.js"],
      procfile: "web: node index.js\n",
    });
    expect(seen[0]?.tarBytes).toBeGreaterThan(1024);

    const second = await commit(work, { "src/index.js": "2" }, "second");
    expect((await push(work, app, "main")).code).toBe(0);
    expect(await refOf(h.repo(app), "refs/heads/main")).toBe(second);

    await must(git(["commit", "-q", "--amend", "-m", "rewritten"], work));
    const rewritten = (await must(git(["rev-parse", "HEAD"], work))).stdout.trim();
    expect((await push(work, app, "main")).code).not.toBe(0); // not a fast-forward
    const forced = await push(work, app, "main", "ann", ["--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("(forced update)");
    expect(await refOf(h.repo(app), "refs/heads/main")).toBe(rewritten);
    expect(h.runs.filter((r) => r.app === app).map((r) => r.sha)).toEqual([
      first,
      second,
      rewritten,
    ]);
  });

  it("stores other branches without deploying them; master-only and configured branches deploy", async () => {
    const app = name("branches");
    h.apps.add(app);
    const work = join(h.dir, app);
    const sha = await makeRepo(work, { "a.txt": "a" }, "feature");
    const r = await push(work, app, "feature");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `remote: -----> refs/heads/feature stored, not deployed (the deploy branch of ${app} is main)`,
    );
    expect(await refOf(h.repo(app), "refs/heads/feature")).toBe(sha);
    expect(h.runs.filter((x) => x.app === app)).toHaveLength(0);

    const old = name("legacy");
    h.apps.add(old);
    const legacy = join(h.dir, old);
    const master = await makeRepo(legacy, { "b.txt": "b" }, "master");
    expect((await push(legacy, old, "master")).code).toBe(0);
    expect(h.runs.filter((x) => x.app === old).map((x) => x.ref)).toEqual(["refs/heads/master"]);
    expect(await refOf(h.repo(old), "refs/heads/master")).toBe(master);

    const conf = name("configured");
    h.apps.add(conf);
    h.deployBranches.set(conf, "production");
    expect((await push(work, conf, "feature:production")).code).toBe(0);
    expect(h.runs.filter((x) => x.app === conf).map((x) => x.ref)).toEqual([
      "refs/heads/production",
    ]);
  });

  it("refuses an unknown app and a user without access before git starts", async () => {
    const work = join(h.dir, name("refused"));
    await makeRepo(work, { "a.txt": "a" });
    const unknown = name("nope");
    const r = await push(work, unknown, "main");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `app "${unknown}" does not exist — create it with: ssh qs apps:create ${unknown}`,
    );
    expect(existsSync(h.repo(unknown))).toBe(false);

    const secret = name("secret");
    h.apps.add(secret);
    const denied = await push(work, secret, "main", "bob");
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(`you (bob) do not have access to app "${secret}"`);
    // No repo was made: admission failed before anything touched the disk or spawned git.
    expect(existsSync(h.repo(secret))).toBe(false);
    const clone = await git(
      ["clone", url(secret, "bob"), join(h.dir, name("secret-clone"))],
      h.dir,
      "bob",
    );
    expect(clone.code).not.toBe(0);
    expect(clone.stderr).toContain("do not have access");

    h.grants.add(secret);
    expect((await push(work, secret, "main", "bob")).code).toBe(0);
    expect(h.runs.filter((x) => x.app === secret).map((x) => x.user)).toEqual(["bob"]);
  });

  it("a failing pipeline rejects the push and leaves the ref where it was", async () => {
    const app = name("failing");
    h.apps.add(app);
    const work = join(h.dir, app);
    const good = await makeRepo(work, { "a.txt": "a" });
    expect((await push(work, app, "main")).code).toBe(0);
    h.scripts.set(app, (_p, out) => {
      out.line("-----> Building");
      return Promise.resolve({
        ok: false,
        reason: "npm ci failed: exit 1\nfix package.json and push again",
      });
    });
    await commit(work, { "a.txt": "broken" }, "broken");
    const r = await push(work, app, "main");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("remote: !     npm ci failed: exit 1");
    expect(r.stderr).toContain("remote: !     fix package.json and push again");
    expect(r.stderr).toContain("(pre-receive hook declined)");
    expect(await refOf(h.repo(app), "refs/heads/main")).toBe(good);
  });

  it("refuses deleting the deploy branch", async () => {
    const app = name("keep");
    h.apps.add(app);
    const work = join(h.dir, app);
    const sha = await makeRepo(work, { "a.txt": "a" });
    expect((await push(work, app, "main")).code).toBe(0);
    const r = await push(work, app, ":main");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `remote: !     deleting main, the deploy branch of ${app}, is refused`,
    );
    expect(await refOf(h.repo(app), "refs/heads/main")).toBe(sha);
  });

  it("clones back what was pushed", async () => {
    const app = name("clone");
    h.apps.add(app);
    const work = join(h.dir, app);
    const sha = await makeRepo(work, { "deep/dir/file.txt": "content\n" });
    expect((await push(work, app, "main")).code).toBe(0);
    const target = join(h.dir, `${app}-back`);
    const r = await git(["clone", url(app), target], h.dir);
    expect(r.code, r.stderr).toBe(0);
    expect((await must(git(["rev-parse", "HEAD"], target))).stdout.trim()).toBe(sha);
    expect(await readFile(join(target, "deep/dir/file.txt"), "utf8")).toBe("content\n");
  });

  it("refuses a push over the size limit, naming the limit", async () => {
    const app = name("big");
    h.apps.add(app);
    const work = join(h.dir, app);
    // Pseudo-random bytes do not compress: the pack is about 3 MiB against a 2 MiB limit.
    const { randomBytes } = await import("node:crypto");
    await makeRepo(work, { "blob.bin": randomBytes(3 * 1024 * 1024) });
    const r = await push(work, app, "main");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("larger than this server's limit of 2 MiB");
    expect(await refOf(h.repo(app), "refs/heads/main")).toBeUndefined();
    expect(h.runs.filter((x) => x.app === app)).toHaveLength(0);
  });
});

describe("smart HTTP authentication", () => {
  it("asks for credentials and refuses a wrong token", async () => {
    h.apps.add("auth-http");
    const base = `http://127.0.0.1:${h.plane.httpPort.toString()}/git/auth-http.git/info/refs?service=git-upload-pack`;
    const none = await fetch(base);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic /);
    const wrong = await fetch(base, {
      headers: { Authorization: `Basic ${Buffer.from("ann:nope").toString("base64")}` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(base, {
      headers: { Authorization: `Basic ${Buffer.from(`ann:${h.tokens.ann}`).toString("base64")}` },
    });
    expect(right.status).toBe(200);
    expect(right.headers.get("content-type")).toBe("application/x-git-upload-pack-advertisement");
    expect(await right.text()).toMatch(/^001e# service=git-upload-pack\n0000/);
  });
});
