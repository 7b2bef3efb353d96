import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../deploy/harness.ts";
import { startPlatform, type Platform } from "./harness.ts";

// Review apps end to end: real git pushes of branches over OpenSSH to the control plane,
// the API double as the cluster, a real redis and registry.

/** The `remote:` lines of git's output, without the prefix and blank ones. */
const remoteLines = (output: string): string[] =>
  output
    .split("\n")
    .filter((l) => l.startsWith("remote:"))
    .map((l) => l.replace(/^remote:\s?/, "").trim())
    .filter((l) => l.length > 0);

describe("review apps: a branch push gets its own preview app", () => {
  let p: Platform;
  const push = async (...args: string[]): Promise<{ ok: boolean; output: string }> => {
    try {
      const r = await p.git("push", "qs", ...args);
      return { ok: true, output: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { stdout: string; stderr: string };
      return { ok: false, output: e.stdout + e.stderr };
    }
  };
  const appNames = async (): Promise<string[]> =>
    (JSON.parse((await p.ssh("apps:list --json")).stdout) as { name: string }[]).map((a) => a.name);

  beforeAll(async () => {
    p = await startPlatform();
    expect((await p.ssh("apps:create shop")).code).toBe(0);
    await p.commit("Dockerfile", "FROM scratch\nCOPY . /app\n");
    const sha = await p.commit("Procfile", "web: ./server\n");
    await p.builderWillSucceed("shop", sha);
    expect((await p.push()).ok).toBe(true);
    expect((await p.ssh("apps:config-set shop GREETING=hello")).code).toBe(0);
  });
  afterAll(async () => {
    await p?.close();
  });

  it("a branch push without previews enabled is only stored, as before", async () => {
    await p.git("checkout", "-q", "-b", "wip");
    await p.commit("wip.txt", "x");
    const r = await push("wip");
    expect(r.ok).toBe(true);
    expect(r.output).toContain("refs/heads/wip stored, not deployed");
    expect(await appNames()).toEqual(["shop"]);
    await p.git("checkout", "-q", "main");
  });

  it("apps:previews-enable refuses an unknown add-ons mode and bad TTLs, changing nothing", async () => {
    const fresh = await p.ssh("apps:previews-enable shop --addons all");
    expect(fresh.code).not.toBe(0);
    expect(fresh.stderr).toContain("is not one of fresh, shared, none");
    const ttl = await p.ssh("apps:previews-enable shop --ttl forever");
    expect(ttl.code).not.toBe(0);
    expect(ttl.stderr).toContain("e.g. --ttl 72h");
    const list = JSON.parse((await p.ssh("apps:previews shop --json")).stdout) as { enabled: boolean };
    expect(list.enabled).toBe(false);
    const on = await p.ssh("apps:previews-enable shop --ttl 2h --addons none");
    expect(on.code).toBe(0);
    expect(on.stdout).toContain("Idle previews are destroyed after 2h");
  });

  it("creates shop--feature-login on the first push of feature/login, with the parent's config, its own host and none of the parent's domains", async () => {
    expect((await p.ssh("apps:domains-add shop shop.example.com")).code).toBe(0);
    await p.git("checkout", "-q", "-b", "feature/login");
    const sha = await p.commit("login.txt", "v1");
    await p.builderWillSucceed("shop--feature-login", sha);
    const r = await push("feature/login");
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toContain("Deploying feature/login to preview shop--feature-login");
    expect(r.output).toMatch(/=====> Released v1/);
    // The push output ends with the preview's URL.
    expect(remoteLines(r.output).at(-1)).toBe("http://feature-login.shop.apps.test/");
    expect(r.output).not.toContain("shop.example.com");

    const ingress = p.double.find("networking.k8s.io/v1", "Ingress", "qs-app-shop--feature-login", "shop--feature-login");
    expect((ingress?.spec as { rules: { host: string }[] }).rules.map((x) => x.host)).toEqual(["feature-login.shop.apps.test"]);
    const config = await p.ssh("apps:config-get shop--feature-login GREETING");
    expect(config.stdout.trim()).toBe("hello");
    const releases = JSON.parse((await p.ssh("apps:releases shop --json")).stdout) as { gitSha: string }[];
    expect(releases.map((x) => x.gitSha)).not.toContain(sha);
  });

  it("a second push updates the preview (v2), and apps:previews lists it with its URL", async () => {
    const sha = await p.commit("login.txt", "v2");
    await p.builderWillSucceed("shop--feature-login", sha);
    const r = await push("feature/login");
    expect(r.ok, r.output).toBe(true);
    const releases = JSON.parse((await p.ssh("apps:releases shop--feature-login --json")).stdout) as { number: number; gitSha: string }[];
    expect(releases[0]).toMatchObject({ gitSha: sha });
    expect(releases.length).toBeGreaterThanOrEqual(2);
    const list = JSON.parse((await p.ssh("apps:previews shop --json")).stdout) as { previews: { name: string; branch: string; url: string }[] };
    expect(list.previews).toEqual([
      expect.objectContaining({ name: "shop--feature-login", branch: "feature/login", url: "http://feature-login.shop.apps.test/" }),
    ]);
  });

  it("refuses a preview past the limit, saying which previews exist and what to do", async () => {
    expect((await p.ssh("apps:previews-enable shop --limit 1")).code).toBe(0);
    await p.git("checkout", "-q", "-b", "feature/cart");
    await p.commit("cart.txt", "x");
    const r = await push("feature/cart");
    expect(r.ok).toBe(false);
    expect(r.output).toContain("the limit is 1");
    expect(r.output).toContain("git push qs :BRANCH");
    expect(await appNames()).not.toContain("shop--feature-cart");
    await p.git("checkout", "-q", "feature/login");
  });

  it("deleting the branch destroys the preview and its namespace", async () => {
    const r = await push(":feature/login");
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toContain("Destroyed preview shop--feature-login (branch feature/login deleted)");
    expect(await appNames()).toEqual(["shop"]);
    await eventually(() => p.double.find("v1", "Namespace", undefined, "qs-app-shop--feature-login") === undefined, "the namespace to go");
  });
});
