import { describe, expect, it } from "vitest";
import { generateSync } from "otplib";
import { generateTotpSecret, totpCode } from "@qs/commands";
import { CookieClient, createPagesHarness, fakeClock, sampleApp } from "../../../../test/support/fakes/web/index.ts";
import { CONTENT_SECURITY_POLICY } from "./security.ts";

const secret = generateTotpSecret();
const users = [
  { name: "alice", role: "admin" as const, password: "alice-pw-1", totpSecret: secret, recoveryCodes: ["abcde-fghjk", "mnpqr-stuvw"] },
  { name: "dave", role: "developer" as const, password: "dave-pw-1" },
  { name: "root", role: "admin" as const, password: "root-pw-1" },
];
const apps = [sampleApp("shop"), sampleApp("secret-app")];
const code = (clock: { now(): number }) => generateSync({ secret, epoch: Math.floor(clock.now() / 1000) });

async function setup(options = {}) {
  return createPagesHarness({ users, apps, grants: { dave: ["shop"] }, options });
}

describe("login", () => {
  it("logs in with password and TOTP, sets a locked-down session cookie, and shows the apps", async () => {
    const h = await setup();
    const client = new CookieClient(h.app);
    const res = await client.login({ user: "alice", password: "alice-pw-1", code: code(h.clock) });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("qs_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).toMatch(/^qs_session=[A-Za-z0-9_-]{43};/);
    const page = await (await client.request("/")).text();
    expect(page).toContain('href="/apps/shop"');
    expect(page).toContain('href="/apps/secret-app"');
  });

  it("uses __Host- Secure cookies and HSTS over HTTPS", async () => {
    const h = await setup();
    const client = new CookieClient(h.app, "https://localhost");
    const res = await client.login({ user: "alice", password: "alice-pw-1", code: code(h.clock) });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-qs_session="))!;
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/Path=\//);
    expect((await client.request("/")).headers.get("strict-transport-security")).toMatch(/max-age=/);
  });

  it("refuses a wrong TOTP, a missing one, an unknown user and a wrong password with one message", async () => {
    const h = await setup();
    const right = code(h.clock);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    const attempts = [
      { user: "alice", password: "alice-pw-1", code: wrong },
      { user: "alice", password: "alice-pw-1", code: "" },
      { user: "nobody", password: "alice-pw-1", code: right },
      { user: "alice", password: "nope", code: right },
    ];
    const bodies: string[] = [];
    for (const [i, a] of attempts.entries()) {
      const client = new CookieClient(h.app, "http://localhost", `192.0.2.${10 + i}`);
      const res = await client.login(a);
      expect(res.status).toBe(401);
      bodies.push((await res.text()).replace(/value="[^"]*"/g, ""));
    }
    expect(bodies[0]).toContain("Wrong user name, password or code.");
    // Same page apart from the echoed user name: nothing tells whether "nobody" exists.
    expect(bodies[2]!.replace("nobody", "alice")).toBe(bodies[0]);
  });

  it("refuses a TOTP code the second time (replay)", async () => {
    const h = await setup();
    const c = code(h.clock);
    expect((await new CookieClient(h.app).login({ user: "alice", password: "alice-pw-1", code: c })).status).toBe(303);
    expect((await new CookieClient(h.app).login({ user: "alice", password: "alice-pw-1", code: c })).status).toBe(401);
    h.clock.advance(30_000);
    expect((await new CookieClient(h.app).login({ user: "alice", password: "alice-pw-1", code: code(h.clock) })).status).toBe(303);
  });

  it("accepts each recovery code once in place of TOTP", async () => {
    const h = await setup();
    expect((await new CookieClient(h.app).login({ user: "alice", password: "alice-pw-1", code: "ABCDE-FGHJK" })).status).toBe(303);
    expect((await new CookieClient(h.app).login({ user: "alice", password: "alice-pw-1", code: "abcde-fghjk" })).status).toBe(401);
    expect((await new CookieClient(h.app).login({ user: "alice", password: "alice-pw-1", code: "mnpqr stuvw" })).status).toBe(303);
  });

  it("requires TOTP for admins unless the option turns it off; developers log in with a password", async () => {
    const strict = await setup();
    const refused = await new CookieClient(strict.app).login({ user: "root", password: "root-pw-1" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("users:2fa-enable");
    expect((await new CookieClient(strict.app).login({ user: "dave", password: "dave-pw-1" })).status).toBe(303);
    const relaxed = await setup({ require2fa: false });
    expect((await new CookieClient(relaxed.app).login({ user: "root", password: "root-pw-1" })).status).toBe(303);
  });

  it("only redirects to local paths after login", async () => {
    const h = await setup();
    const res = await new CookieClient(h.app).login({ user: "dave", password: "dave-pw-1" }, { next: "//evil.example/x" });
    expect(res.headers.get("location")).toBe("/");
  });
});

describe("rate limiting", () => {
  it("slows a client down with growing delays after the free attempts, even with the right password", async () => {
    const h = await setup();
    const client = new CookieClient(h.app);
    for (let i = 0; i < 4; i++) expect((await client.login({ user: "dave", password: "bad" })).status).toBe(401);
    const blocked = await client.login({ user: "dave", password: "dave-pw-1" });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    h.clock.advance(1_001);
    expect((await client.login({ user: "dave", password: "bad" })).status).toBe(401);
    expect(await h.throttle.retryAfterMs(["user-addr:dave 192.0.2.1"])).toBe(2_000);
    h.clock.advance(2_001);
    expect((await client.login({ user: "dave", password: "dave-pw-1" })).status).toBe(303);
  });

  it("does not let a stranger lock a named account out: the account's own wait stays short", async () => {
    const h = await setup();
    // Failures from 20 addresses (each under its own limit) for one account name.
    for (let i = 0; i < 20; i++) {
      const stranger = new CookieClient(h.app, "http://localhost", `203.0.113.${(10 + i).toString()}`);
      await stranger.login({ user: "dave", password: "guess" });
    }
    const owner = new CookieClient(h.app, "http://localhost", "198.51.100.2");
    const first = await owner.login({ user: "dave", password: "dave-pw-1" });
    expect(first.status).toBe(429);
    expect(Number(first.headers.get("retry-after"))).toBeLessThanOrEqual(30);
    h.clock.advance(30_001);
    expect((await owner.login({ user: "dave", password: "dave-pw-1" })).status).toBe(303);
  });

  it("slows an address down across user names, known or not", async () => {
    const h = await setup();
    const names = ["x1", "x2", "x3", "x4"];
    for (const user of names) await new CookieClient(h.app, "http://localhost", "203.0.113.5").login({ user, password: "bad" });
    const res = await new CookieClient(h.app, "http://localhost", "203.0.113.5").login({ user: "dave", password: "dave-pw-1" });
    expect(res.status).toBe(429);
    expect((await new CookieClient(h.app, "http://localhost", "203.0.113.6").login({ user: "dave", password: "dave-pw-1" })).status).toBe(303);
  });
});

describe("CSRF", () => {
  it("refuses a login post without the token or from another origin", async () => {
    const h = await setup();
    const client = new CookieClient(h.app);
    await client.request("/login");
    const noToken = await client.request("/login", { method: "POST", form: { user: "dave", password: "dave-pw-1", code: "" } });
    expect(noToken.status).toBe(403);
    const crossSite = await client.login({ user: "dave", password: "dave-pw-1" });
    expect(crossSite.status).toBe(303);
    const evil = new CookieClient(h.app);
    const form = await evil.request("/login");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const res = await evil.request("/login", {
      method: "POST",
      headers: { origin: "https://evil.example" },
      form: { _csrf: csrf, user: "dave", password: "dave-pw-1", code: "" },
    });
    expect(res.status).toBe(403);
  });

  it("refuses oversized form bodies before parsing them", async () => {
    const h = await setup();
    const res = await new CookieClient(h.app).request("/login", { method: "POST", form: { user: "x".repeat(20_000), password: "p" } });
    expect(res.status).toBe(413);
  });

  it("refuses a logout post without the session's token and keeps the session", async () => {
    const h = await setup();
    const client = new CookieClient(h.app);
    await client.login({ user: "dave", password: "dave-pw-1" });
    expect((await client.request("/logout", { method: "POST", form: { _csrf: "forged" } })).status).toBe(403);
    expect((await client.request("/")).status).toBe(200);
    const token = await client.pageCsrf();
    const out = await client.request("/logout", { method: "POST", form: { _csrf: token } });
    expect(out.status).toBe(303);
    expect((await client.request("/")).headers.get("location")).toBe("/login");
  });
});

describe("sessions", () => {
  it("end after the idle timeout", async () => {
    const h = await createPagesHarness({ users, apps, clock: fakeClock(), options: { idleTimeoutMs: 60_000 } });
    const client = new CookieClient(h.app);
    await client.login({ user: "dave", password: "dave-pw-1" });
    h.clock.advance(50_000);
    expect((await client.request("/")).status).toBe(200);
    h.clock.advance(50_000); // 50 s since the last request: still alive
    expect((await client.request("/")).status).toBe(200);
    h.clock.advance(61_000);
    expect((await client.request("/")).status).toBe(303);
  });

  it("end after the absolute timeout even when used", async () => {
    const h = await createPagesHarness({ users, apps, options: { idleTimeoutMs: 60_000, absoluteTimeoutMs: 150_000 } });
    const client = new CookieClient(h.app);
    await client.login({ user: "dave", password: "dave-pw-1" });
    for (let i = 0; i < 3; i++) {
      h.clock.advance(45_000);
      expect((await client.request("/")).status).toBe(200);
    }
    h.clock.advance(45_000);
    expect((await client.request("/")).status).toBe(303);
    expect(h.sessions.size()).toBe(0);
  });

  it("rotate the id at login and end everywhere when the user's sessions are dropped", async () => {
    const h = await setup();
    const a = new CookieClient(h.app);
    const b = new CookieClient(h.app);
    // A planted (fixated) id is never adopted: login always issues a new one.
    const planted = "A".repeat(43);
    a.jar.set("qs_session", planted);
    await a.login({ user: "dave", password: "dave-pw-1" });
    expect(a.jar.get("qs_session")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.jar.get("qs_session")).not.toBe(planted);
    await b.login({ user: "dave", password: "dave-pw-1" });
    expect(await h.sessions.deleteAllForUser("dave")).toBe(2);
    expect((await a.request("/")).status).toBe(303);
    expect((await b.request("/")).status).toBe(303);
  });
});

describe("credential changes", () => {
  it("end every session of a user whose password changes, or who is removed", async () => {
    const h = await setup();
    const a = new CookieClient(h.app);
    const b = new CookieClient(h.app);
    await a.login({ user: "dave", password: "dave-pw-1" });
    await b.login({ user: "dave", password: "dave-pw-1" });
    expect((await a.request("/")).status).toBe(200);
    await h.users.setPassword("dave", "dave-pw-2");
    expect((await a.request("/")).status).toBe(303);
    expect((await b.request("/")).status).toBe(303);
    const c = new CookieClient(h.app);
    expect((await c.login({ user: "dave", password: "dave-pw-2" })).status).toBe(303);
    h.users.remove("dave");
    expect((await c.request("/")).status).toBe(303);
  });
});

describe("logout everywhere", () => {
  it("ends every session of the user, not others'", async () => {
    const h = await setup();
    const a = new CookieClient(h.app);
    const b = new CookieClient(h.app);
    const other = new CookieClient(h.app);
    await a.login({ user: "dave", password: "dave-pw-1" });
    await b.login({ user: "dave", password: "dave-pw-1" });
    await other.login({ user: "alice", password: "alice-pw-1", code: code(h.clock) });
    expect((await a.request("/logout-everywhere", { method: "POST", form: { _csrf: "forged" } })).status).toBe(403);
    const res = await a.request("/logout-everywhere", { method: "POST", form: { _csrf: await a.pageCsrf() } });
    expect(res.status).toBe(303);
    expect((await b.request("/")).status).toBe(303);
    expect((await other.request("/")).status).toBe(200);
  });

  it("warns when few recovery codes are left", async () => {
    const h = await setup();
    const client = new CookieClient(h.app);
    await client.login({ user: "alice", password: "alice-pw-1", code: "abcde-fghjk" });
    expect(await (await client.request("/")).text()).toContain("1 recovery code left");
  });
});

describe("pages", () => {
  it("send strict security headers and serve script and style as files", async () => {
    const h = await setup();
    const res = await h.app.request("/login");
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-inline");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    const body = await res.text();
    expect(body).not.toMatch(/<script>|<style|style="/);
    const js = await h.app.request("/static/live.js");
    expect(js.headers.get("content-type")).toMatch(/text\/javascript/);
    expect(await js.text()).toContain("EventSource");
    expect((await h.app.request("/healthz")).status).toBe(200);
  });

  it("show a developer only granted apps; others are not found and nodes forbidden", async () => {
    const h = await setup();
    const client = new CookieClient(h.app);
    await client.login({ user: "dave", password: "dave-pw-1" });
    const page = await (await client.request("/")).text();
    expect(page).toContain("/apps/shop");
    expect(page).not.toContain("secret-app");
    expect((await client.request("/apps/secret-app")).status).toBe(404);
    expect((await client.request("/apps/secret-app/logs")).status).toBe(404);
    expect((await client.request("/nodes")).status).toBe(403);
    const shop = await (await client.request("/apps/shop")).text();
    expect(shop).toContain("Deploy 1a2b3c4");
    expect(shop).toContain("CrashLoopBackOff");
    expect(shop).toContain("=====&gt; Released v3");
  });

  it("send visitors without a session to the login page", async () => {
    const h = await setup();
    const res = await h.app.request("/apps/shop");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fapps%2Fshop");
    expect((await h.app.request("/apps/shop/logs", { headers: { accept: "text/event-stream" } })).status).toBe(401);
  });

  it("escape what apps contain", async () => {
    const h = await createPagesHarness({
      users,
      apps: [sampleApp("shop", { releases: [{ version: "v1", author: "x", description: "<img src=x onerror=alert(1)>", createdAt: "2026-11-25T10:00:00Z", current: true }] })],
    });
    const client = new CookieClient(h.app);
    await client.login({ user: "alice", password: "alice-pw-1", code: totpCode(secret, h.clock.now()) });
    const page = await (await client.request("/apps/shop")).text();
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("stay under 50 KB with 40 apps and a day of samples", async () => {
    const many = Array.from({ length: 40 }, (_, i) => sampleApp(`app-${i}`));
    const h = await createPagesHarness({ users, apps: many, options: { require2fa: false } });
    for (const a of many)
      for (let t = 0; t < 2880; t++)
        await h.metrics.append(`app:${a.name}`, { at: h.clock.now() - t * 30_000, cpuMillicores: t % 300, memoryBytes: 1e8 + t });
    const client = new CookieClient(h.app);
    await client.login({ user: "root", password: "root-pw-1" });
    const page = await (await client.request("/")).text();
    expect(page).toContain("<polyline");
    expect(Buffer.byteLength(page)).toBeLessThan(50_000);
  });
});
