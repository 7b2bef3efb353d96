import { describe, expect, it } from "vitest";
import { NotFoundError, type User, type UserCredentials } from "@qs/core";
import { CookieClient, createPagesHarness, sampleApp } from "../../../../test/support/fakes/web/index.ts";
import { createUserDirectory } from "./user-directory.ts";

const users = [
  { name: "root", role: "admin" as const, password: "root-pw-1" },
  { name: "dave", role: "developer" as const, password: "dave-pw-1" },
];

describe("nodes page", () => {
  it("shows admins capacity, usage and status", async () => {
    const h = await createPagesHarness({
      users,
      apps: [],
      nodes: [
        { name: "vps1", status: "Ready", roles: ["control-plane"], version: "v1.31.4+k3s1", cpuCapacityMillicores: 4000, memoryCapacityBytes: 8 * 1024 ** 3, cpuUsageMillicores: 1000, memoryUsageBytes: 2 * 1024 ** 3 },
        { name: "vps2", status: "NotReady", roles: [], version: "v1.31.4+k3s1", cpuCapacityMillicores: 2000, memoryCapacityBytes: 4 * 1024 ** 3 },
      ],
      options: { require2fa: false },
    });
    await h.metrics.append("node:vps1", { at: h.clock.now() - 60_000, cpuMillicores: 800, memoryBytes: 1e9 });
    await h.metrics.append("node:vps1", { at: h.clock.now(), cpuMillicores: 1000, memoryBytes: 2e9 });
    const client = new CookieClient(h.app);
    await client.login({ user: "root", password: "root-pw-1" });
    const page = await (await client.request("/nodes")).text();
    expect(page).toContain("1.00 cores / 4.00 cores (25%)");
    expect(page).toContain("2.0 GiB / 8.0 GiB (25%)");
    expect(page).toMatch(/class="bad">NotReady/);
    expect(page).toContain("<polyline");
    const empty = await (await client.request("/")).text();
    expect(empty).toContain("No apps yet");
  });
});

describe("live logs", () => {
  it("stream new lines of a granted app as Server-Sent Events", async () => {
    const h = await createPagesHarness({ users, apps: [sampleApp("shop")], grants: { dave: ["shop"] } });
    const client = new CookieClient(h.app);
    await client.login({ user: "dave", password: "dave-pw-1" });
    const res = await client.request("/apps/shop/logs", { headers: { accept: "text/event-stream" } });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const deadline = Date.now() + 5_000;
    while (h.status.followers("shop") === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    h.status.emitLog("shop", "web.1", "hello\nworld");
    const chunk = (await reader.read()) as { value?: Uint8Array };
    expect(Buffer.from(chunk.value ?? new Uint8Array()).toString()).toBe("event: line\ndata: web.1: hello world\n\n");
    await reader.cancel();
    while (h.status.followers("shop") > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(h.status.followers("shop")).toBe(0);
  });
});

describe("live logs keep-alive", () => {
  it("sends comment lines on a quiet stream", async () => {
    const h = await createPagesHarness({ users, apps: [sampleApp("shop")], grants: { dave: ["shop"] }, options: { sseKeepAliveMs: 20 } });
    const client = new CookieClient(h.app);
    await client.login({ user: "dave", password: "dave-pw-1" });
    const res = await client.request("/apps/shop/logs", { headers: { accept: "text/event-stream" } });
    const reader = res.body!.getReader();
    const chunk = (await reader.read()) as { value?: Uint8Array };
    expect(Buffer.from(chunk.value ?? new Uint8Array()).toString()).toBe(": keep-alive\n\n");
    await reader.cancel();
  });
});

describe("user directory over the UserStore", () => {
  const stored: User = { name: "erin", role: "admin", keys: [], apps: [], tokens: [], hasPassword: true, totpEnabled: true, createdAt: "2026-11-01T00:00:00Z" };
  const credentials: UserCredentials = { passwordHash: "scrypt$1$1$1$AA==$AA==", totpSecret: "SECRET", recoveryCodeHashes: ["a", "b"] };
  const used: string[] = [];
  const store = {
    get: (name: string) => (name === "erin" ? Promise.resolve(stored) : Promise.reject(new NotFoundError("USER_NOT_FOUND", `no user ${name}`))),
    getCredentials: () => Promise.resolve(credentials),
    useRecoveryCode: (_user: string, hash: string) => Promise.resolve(used.push(hash) > 0),
  };
  const steps = { lastTotpStep: () => Promise.resolve(7), claimTotpStep: () => Promise.resolve(true) };

  it("maps users to login accounts and unknown ones to undefined", async () => {
    const dir = createUserDirectory(store, steps);
    expect(await dir.find("erin")).toEqual({ name: "erin", role: "admin", passwordHash: credentials.passwordHash, totpSecret: "SECRET", recoveryCodesLeft: 2 });
    expect(await dir.find("nobody")).toBeUndefined();
    expect(await dir.find("../etc")).toBeUndefined();
    expect(await dir.lastTotpStep("erin")).toBe(7);
    expect(await dir.useRecoveryCode("erin", "h1")).toBe(true);
    expect(used).toEqual(["h1"]);
  });

  it("ignores a TOTP secret of a user whose 2FA is off", async () => {
    const dir = createUserDirectory({ ...store, get: () => Promise.resolve({ ...stored, totpEnabled: false }) }, steps);
    expect((await dir.find("erin"))?.totpSecret).toBeUndefined();
  });
});

describe("app page", () => {
  const condition = (type: string, status: string, reason: string) => ({ type, status, reason });
  const page = async (app: ReturnType<typeof sampleApp>) => {
    const h = await createPagesHarness({ users, apps: [app], grants: { dave: [app.name] } });
    const client = new CookieClient(h.app);
    await client.login({ user: "dave", password: "dave-pw-1" });
    return (await client.request(`/apps/${app.name}`)).text();
  };
  const conditionsOf = (html: string) => /<ul id="conditions">(.*?)<\/ul>/s.exec(html)?.[1] ?? "";

  it("shows healthy conditions in green, not red (Progressing: False, Degraded: False)", async () => {
    const healthy = [condition("Ready", "True", "RolloutComplete"), condition("Progressing", "False", "RolloutComplete"), condition("Degraded", "False", "RolloutComplete")];
    const list = conditionsOf(await page(sampleApp("shop", { conditions: healthy })));
    expect(list).toContain('<span class="ok">Progressing: False</span>');
    expect(list).toContain('<span class="ok">Degraded: False</span>');
    expect(list).toContain('<span class="ok">Ready: True</span>');
    expect(list).not.toContain('class="bad"');
  });

  it("shows unhealthy conditions in red and a rollout in progress as a warning", async () => {
    const failing = [condition("Ready", "False", "RolloutFailing"), condition("Progressing", "True", "RolloutFailing"), condition("Degraded", "True", "CrashLoopBackOff")];
    const list = conditionsOf(await page(sampleApp("shop", { conditions: failing })));
    expect(list).toContain('<span class="bad">Ready: False</span>');
    expect(list).toContain('<span class="warn">Progressing: True</span>');
    expect(list).toContain('<span class="bad">Degraded: True</span>');
  });

  it("lists volumes and config keys, escaped", async () => {
    const html = await page(
      sampleApp("shop", {
        volumes: [
          { name: "uploads", mountPath: "/app/uploads", size: "1Gi", processes: ["web"] },
          { name: "cache", mountPath: "/var/<cache>", size: "512Mi", processes: [] },
        ],
        configKeys: ["DATABASE_URL", "SECRET_KEY"],
      }),
    );
    const volumes = /<table id="volumes">(.*?)<\/table>/s.exec(html)?.[1] ?? "";
    expect(volumes).toContain("<td>uploads</td><td><code>/app/uploads</code></td><td>1Gi</td><td>web</td>");
    expect(volumes).toContain("<td>cache</td><td><code>/var/&lt;cache&gt;</code></td><td>512Mi</td><td><span class=\"mute\">all</span></td>");
    expect(html).toContain('<ul id="config-keys" class="keys"><li><code>DATABASE_URL</code></li><li><code>SECRET_KEY</code></li></ul>');
  });

  it("says so when there are no volumes and no config vars", async () => {
    const html = await page(sampleApp("shop", { volumes: [], configKeys: [] }));
    expect(html).toContain("No volumes.");
    expect(html).toContain("No config vars.");
  });
});
