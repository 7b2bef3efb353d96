import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUpstream, startPlatform, type Platform } from "./harness.ts";

// apps:source-set + apps:deploy: the control plane fetches with the real git client from a
// local bare repo (file://, no internet) and deploys through the push pipeline.
const run = promisify(execFile);

describe("deploys from a Git URL", () => {
  let p: Platform;
  let upstream: string;
  let work: string;
  const git = (...args: string[]) => run("git", args, { cwd: work });
  const commit = async (file: string, text: string): Promise<string> => {
    await writeFile(join(work, file), text);
    await git("add", "-A");
    await git("commit", "-q", "-m", `change ${file}`);
    await git("push", "-q", "origin", "HEAD:main");
    return (await git("rev-parse", "HEAD")).stdout.trim();
  };
  const releases = async () =>
    JSON.parse((await p.ssh("apps:releases shop --json")).stdout) as { number: number; gitSha: string }[];

  beforeAll(async () => {
    p = await startPlatform();
    ({ path: upstream, work } = await createUpstream(p.dir));
    expect((await p.ssh("apps:create shop")).code).toBe(0);
  });
  afterAll(async () => {
    await p?.close();
  });

  it("refuses URLs it must not fetch or store, changing nothing", async () => {
    for (const [url, says] of [
      ["http://git.example.com/team/shop.git", "not a Git URL"],
      ["ext::sh -c touch% /tmp/pwned", "not a Git URL"],
      ["https://bob:s3cret-token@git.example.com/team/shop.git", "carries a password or token"],
    ] as const) {
      const r = await p.ssh(`apps:source-set shop '${url}'`);
      expect(r.code, url).not.toBe(0);
      expect(r.stderr).toContain(says);
      expect(r.stdout + r.stderr).not.toContain("s3cret-token");
    }
    const deploy = await p.ssh("apps:deploy shop");
    expect(deploy.code).not.toBe(0);
    expect(deploy.stderr).toContain("apps:source-set shop https://");
  });

  it("deploys a given commit with --ref, then the branch tip", async () => {
    await commit("Dockerfile", "FROM scratch\nCOPY . /app\n");
    const first = await commit("Procfile", "web: ./server\n");
    const second = await commit("README", "v2\n");
    const set = await p.ssh(`apps:source-set shop file://${upstream} --branch main`);
    expect(set.code, set.stderr).toBe(0);

    await p.builderWillSucceed("shop", first);
    const one = await p.ssh(`apps:deploy shop --ref ${first.slice(0, 10)}`);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain(`-----> Building shop (${first.slice(0, 7)})`);
    expect(one.stderr).toMatch(/=====> Released v1/);
    expect((await releases())[0]).toMatchObject({ number: 1, gitSha: first });

    await p.builderWillSucceed("shop", second);
    const tip = await p.ssh("apps:deploy shop --json");
    expect(tip.code, tip.stderr).toBe(0);
    expect(JSON.parse(tip.stdout)).toEqual({ app: "shop", sha: second, deployed: true });
    expect((await releases())[0]).toMatchObject({ number: 2, gitSha: second });
  });

  it("refuses a --ref that is not on the branch, or not a sha, deploying nothing", async () => {
    await git("checkout", "-q", "-b", "side");
    await writeFile(join(work, "side.txt"), "x");
    await git("add", "-A");
    await git("commit", "-q", "-m", "side");
    await git("push", "-q", "origin", "side");
    const side = (await git("rev-parse", "HEAD")).stdout.trim();
    const r = await p.ssh(`apps:deploy shop --ref ${side}`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not in main|not on main/);
    const bad = await p.ssh("apps:deploy shop --ref HEAD~1");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("is not a commit sha");
    expect((await releases())[0]?.number).toBe(2);
  });

  it("--deploy-key generate prints the public half once and keeps the private half in a Secret", async () => {
    const r = await p.ssh(`apps:source-set shop file://${upstream} --branch main --deploy-key generate`);
    expect(r.code, r.stderr).toBe(0);
    const publicKey = /ssh-ed25519 [A-Za-z0-9+/=]+ qs-deploy-shop/.exec(r.stdout)?.[0];
    expect(publicKey).toBeDefined();
    expect(r.stdout).not.toContain("PRIVATE KEY");
    const secret = p.double.find("v1", "Secret", "qs-app-shop", "shop-deploy-key") as { type: string; data: Record<string, string> } | undefined;
    expect(secret?.type).toBe("kubernetes.io/ssh-auth");
    const file = join(p.dir, "deploy-key");
    await writeFile(file, Buffer.from(secret?.data["ssh-privatekey"] ?? "", "base64"), { mode: 0o600 });
    // The stored private half is the pair of the printed public half (OpenSSH reads it).
    const derived = (await run("ssh-keygen", ["-y", "-f", file])).stdout.trim();
    expect(derived.split(" ").slice(0, 2)).toEqual(publicKey?.split(" ").slice(0, 2));
    const again = await p.ssh(`apps:source-set shop file://${upstream} --branch main`);
    expect(again.stdout).not.toContain("ssh-ed25519");
    const info = JSON.parse((await p.ssh("apps:info shop --json")).stdout) as unknown;
    expect(JSON.stringify(info)).not.toContain("PRIVATE KEY");
    // Fetches still work with the key in place (a file:// fetch does not use ssh).
    const sha = (await git("rev-parse", "main")).stdout.trim();
    await p.builderWillSucceed("shop", sha);
    expect((await p.ssh("apps:deploy shop")).code).toBe(0);
  });

  it("a failed build is reported with the reason and leaves the running release", async () => {
    await git("checkout", "-q", "main");
    const running = (await releases())[0]?.number;
    await commit("broken.txt", "x");
    p.builderWillFail("error building image: RUN make exited 2");
    const r = await p.ssh("apps:deploy shop");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("RUN make exited 2");
    expect(r.stderr).toContain("the running release was not changed");
    expect((await releases())[0]?.number).toBe(running);
  });
});
