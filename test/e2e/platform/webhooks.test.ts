import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedAs } from "../../../packages/web/src/webhooks/testing.ts";
import { eventually } from "../deploy/harness.ts";
import { createUpstream, startPlatform, type Platform } from "./harness.ts";

// Signed webhooks end to end: the control plane's HTTP server, a real redis for delivery ids,
// the webhook secret in a Secret on the API double, the source fetched with real git from a
// local bare repo, the build and deploy through the push pipeline.
const run = promisify(execFile);

describe("signed webhooks deploy the source branch", () => {
  let p: Platform;
  let secret: string;
  let url: string;
  let upstream: string;
  let work: string;
  let n = 0;
  const git = (...args: string[]) => run("git", args, { cwd: work });
  const commit = async (branch: string, file: string): Promise<string> => {
    await writeFile(join(work, file), `${file} ${++n}\n`);
    await git("add", "-A");
    await git("commit", "-q", "-m", file);
    await git("push", "-q", "origin", `HEAD:${branch}`);
    return (await git("rev-parse", "HEAD")).stdout.trim();
  };
  const releases = async () => JSON.parse((await p.ssh("apps:releases shop --json")).stdout) as { number: number; gitSha: string }[];
  const deliver = async (headers: Record<string, string>, body: Buffer) => {
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    return { status: r.status, json: (await r.json()) as { result: string; message: string; code?: string } };
  };
  const pushBody = (branch: string, sha: string) => Buffer.from(JSON.stringify({ ref: `refs/heads/${branch}`, after: sha }));

  beforeAll(async () => {
    p = await startPlatform();
    ({ path: upstream, work } = await createUpstream(p.dir));
    await writeFile(join(work, "Dockerfile"), "FROM scratch\nCOPY . /app\n");
    expect((await p.ssh("apps:create shop")).code).toBe(0);
    expect((await p.ssh(`apps:source-set shop file://${upstream} --branch main`)).code).toBe(0);
    const hook = await p.ssh("apps:webhook shop --json");
    expect(hook.code, hook.stderr).toBe(0);
    ({ secret, url } = JSON.parse(hook.stdout) as { secret: string; url: string });
    url = url.replace(/^https?:\/\/[^/]+/, `http://127.0.0.1:${p.plane.httpPort}`);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    // The secret is kept: a second call prints the same one.
    expect((JSON.parse((await p.ssh("apps:webhook shop --json")).stdout) as { secret: string }).secret).toBe(secret);
  });
  afterAll(async () => {
    await p?.close();
  });

  for (const sender of ["github", "gitlab", "gitea", "forgejo", "generic"] as const) {
    it(`a push delivery signed as ${sender} deploys its commit`, async () => {
      const sha = await commit("main", `${sender}.txt`);
      await p.builderWillSucceed("shop", sha);
      const body = pushBody("main", sha);
      const r = await deliver(signedAs(sender, body, secret, `${sender}-1`, Date.now()), body);
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      expect(r.json).toMatchObject({ result: "deploying", message: `deploying ${sha.slice(0, 7)} of main to shop` });
      await eventually(async () => (await releases())[0]?.gitSha === sha, `a release of ${sha}`, 30_000);
    });
  }

  it("refuses wrong, missing, replayed and stale signatures, deploying nothing, and audits them", async () => {
    const before = (await releases()).length;
    const sha = await commit("main", "refused.txt");
    const body = pushBody("main", sha);
    const wrong = await deliver(signedAs("github", body, "not-the-secret", "w-1", Date.now()), body);
    expect([wrong.status, wrong.json.code]).toEqual([401, "WEBHOOK_BAD_SIGNATURE"]);
    const missing = await deliver({ "x-github-event": "push", "x-github-delivery": "m-1" }, body);
    expect([missing.status, missing.json.code]).toEqual([401, "WEBHOOK_UNSIGNED"]);
    const stale = await deliver(signedAs("generic", body, secret, "s-1", Date.now() - 3600_000), body);
    expect([stale.status, stale.json.code]).toEqual([401, "WEBHOOK_STALE"]);
    // github-1 was delivered above: the same id again is a replay even with a valid signature.
    const replay = await deliver(signedAs("github", body, secret, "github-1", Date.now()), body);
    expect([replay.status, replay.json.code]).toEqual([409, "WEBHOOK_REPLAY"]);
    await new Promise((r) => setTimeout(r, 500));
    expect((await releases()).length).toBe(before);
    const audit = await p.ssh("audit shop --json");
    expect(audit.stdout).toContain("WEBHOOK_BAD_SIGNATURE");
    expect(audit.stdout).not.toContain(secret);
  });

  it("says a push to another branch does not deploy", async () => {
    const sha = await commit("feature/x", "other.txt");
    const body = pushBody("feature/x", sha);
    const r = await deliver(signedAs("gitea", body, secret, "o-1", Date.now()), body);
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ result: "ignored", message: "a push to feature/x does not deploy; the branch of shop is main" });
  });
});
