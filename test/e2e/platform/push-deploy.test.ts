import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, type Platform } from "./harness.ts";

// The whole product on one machine: the control plane as `npm run dev` runs it, against the
// Kubernetes API double, a real redis-server and a real docker-registry; git and ssh are the
// real OpenSSH and git clients. Only the builder and app containers are simulated.
describe("git push → build → release → deploy, end to end", () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({ env: { QS_ADMIN_TOTP_SECRET: "JBSWY3DPEHPK3PXPJBSWY3DP" } });
  });
  afterAll(async () => {
    await p?.close();
  });

  it("makes the first admin from QS_ADMIN_SSH_KEY, with the installer's TOTP secret", async () => {
    const users = JSON.parse((await p.ssh("users:list --json")).stdout) as { name: string; role: string; totpEnabled: boolean }[];
    expect(users).toEqual([expect.objectContaining({ name: "admin", role: "admin", totpEnabled: true })]);
  });

  it("creates the app over SSH as the first admin", async () => {
    const created = await p.ssh("apps:create shop");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const list = await p.ssh("apps:list --json");
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: "shop" })]));
  });

  it("builds and releases v1 on the first push, and runs it", async () => {
    await p.commit("Dockerfile", "FROM scratch\nCOPY . /app\n");
    const sha = await p.commit("Procfile", "web: ./server\nworker: ./worker\n");
    const digest = await p.builderWillSucceed("shop", sha);
    const result = await p.push();
    expect(result.output).toContain("-----> Building shop (");
    expect(result.output).toContain("INFO[0001] Pushed image");
    expect(result.output).toContain("The web process must listen on $PORT (QuickStack sets PORT=5000");
    // The digest is said once, on the builder's Image line.
    expect(result.output.split(digest).length - 1).toBe(1);
    expect(result.output).toMatch(/=====> Released v1/);
    expect(result.output).toMatch(/v1 deployed in [\d.]+ s/);
    expect(result.output).toContain("http://shop.apps.test/");
    expect(result.ok).toBe(true);

    const releases = JSON.parse((await p.ssh("apps:releases shop --json")).stdout) as { number: number; image: string; gitSha: string }[];
    expect(releases[0]).toMatchObject({ number: 1, gitSha: sha });
    expect(releases[0]?.image).toContain(digest);
    const deployments = p.double.list("apps/v1", "Deployment", "qs-app-shop").map((d) => d.metadata.name);
    expect(deployments.sort()).toEqual(["shop-web", "shop-worker"]);
  });

  it("makes a new release when config changes, never echoing the value", async () => {
    const set = await p.ssh("apps:config-set shop DATABASE_URL=postgres://u:s3cret-pw@db/shop");
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain("s3cret-pw");
    const releases = JSON.parse((await p.ssh("apps:releases shop --json")).stdout) as { number: number; description: string }[];
    expect(releases[0]).toMatchObject({ number: 2 });
    expect(releases[0]?.description).toContain("DATABASE_URL");
    expect(JSON.stringify(p.double.list("apps/v1", "Deployment", "qs-app-shop"))).not.toContain("s3cret-pw");
  });

  it("rejects a push whose build fails and keeps the ref and the running release", async () => {
    const before = await p.deployedRef("shop");
    await p.commit("broken.txt", "x");
    p.builderWillFail("error building image: RUN make exited 2");
    const result = await p.push();
    expect(result.ok).toBe(false);
    expect(result.output).toContain("error building image: RUN make exited 2");
    expect(result.output).toContain("the running release was not changed");
    expect(result.output).toContain("pre-receive hook declined");
    expect(await p.deployedRef("shop")).toBe(before);
    const releases = JSON.parse((await p.ssh("apps:releases shop --json")).stdout) as { number: number }[];
    expect(releases[0]?.number).toBe(2);
  });
});
