import { describe, expect, it } from "vitest";
import { generateSync } from "otplib";
import { generateTotpSecret, type CommandServices } from "@qs/commands";
import type { AppProcess, AuditEntry, ClusterOps } from "@qs/core";
import { CookieClient, createPagesHarness, sampleApp } from "../../../../test/support/fakes/web/index.ts";
import { createTerminalHub } from "../terminal/hub.ts";

// The refusals of the terminal's WebSocket, through app.request(): an accepted upgrade
// answers 200 here (no socket), a refused one its error status. Every refusal must leave
// ops.enter uncalled: nothing is started in the cluster.
const secret = generateTotpSecret();
const users = [
  { name: "alice", role: "admin" as const, password: "alice-pw-1", totpSecret: secret },
  { name: "erin", role: "developer" as const, password: "erin-pw-1", totpSecret: generateTotpSecret() },
  { name: "dave", role: "developer" as const, password: "dave-pw-1" },
];
const grants: Record<string, string[]> = { dave: ["shop"], erin: [] };

async function setup(limits: { maxPerUser?: number; maxTotal?: number } = {}) {
  let entered = 0;
  const pods: AppProcess[] = [{ source: "web.1", pod: "shop-web-1", process: "web", state: "Running", ready: true, restarts: 0 }];
  const ops = {
    ps: () => Promise.resolve(pods),
    enter: () => {
      entered += 1;
      return Promise.resolve(0);
    },
  } as unknown as ClusterOps;
  const audit: AuditEntry[] = [];
  const services = {
    apps: { exists: (name: string) => Promise.resolve(name === "shop") },
    access: { canAccessApp: (p: { user: string }, app: string) => Promise.resolve((grants[p.user] ?? []).includes(app)) },
    ops,
    audit: { record: (e: AuditEntry) => void audit.push(e), list: () => Promise.resolve(audit) },
  } as unknown as CommandServices;
  const terminals = createTerminalHub({ services, ...limits });
  const h = await createPagesHarness({ users, apps: [sampleApp("shop")], grants, options: { terminals } });
  return { ...h, terminals, entered: () => entered };
}

type Harness = Awaited<ReturnType<typeof setup>>;
// Each TOTP step is accepted once per user: move the clock on before each login with a code.
const totp = (h: Harness, s: string) => {
  h.clock.advance(30_000);
  return generateSync({ secret: s, epoch: Math.floor(h.clock.now() / 1000) });
};

async function loggedIn(h: Harness, user: string, code = "") {
  const client = new CookieClient(h.app);
  expect((await client.login({ user, password: `${user}-pw-1`, code })).status).toBe(303);
  return client;
}

async function ticketOf(client: CookieClient, app = "shop"): Promise<string> {
  const page = await (await client.request(`/apps/${app}/terminal`)).text();
  return /data-ticket="([^"]+)"/.exec(page)?.[1] ?? "";
}

const upgrade = (client: CookieClient, ticket: string | undefined, headers: Record<string, string> = {}) =>
  client.request(`/apps/shop/terminal/ws${ticket === undefined ? "" : `?ticket=${ticket}`}`, {
    headers: { upgrade: "websocket", connection: "Upgrade", origin: client.origin, ...headers },
  });

describe("terminal WebSocket refusals", () => {
  it("accepts a TOTP session with access, the page's Origin and a fresh ticket", async () => {
    const h = await setup();
    const alice = await loggedIn(h, "alice", totp(h, secret));
    const page = await alice.request("/apps/shop/terminal");
    expect(page.headers.get("content-security-policy")).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9_-]+'/);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
    const text = await page.text();
    expect(text).toContain("/static/xterm.js");
    expect((await upgrade(alice, /data-ticket="([^"]+)"/.exec(text)?.[1])).status).toBe(200);
    expect(h.terminals.count("alice")).toBe(1);
    // The app page links the terminal but loads no xterm.
    const appPage = await (await alice.request("/apps/shop")).text();
    expect(appPage).toContain('href="/apps/shop/terminal"');
    expect(appPage).not.toContain("xterm");
  });

  it("refuses without a session", async () => {
    const h = await setup();
    const res = await upgrade(new CookieClient(h.app), "x");
    expect(res.status).toBe(401);
    expect(h.entered()).toBe(0);
  });

  it("refuses a session whose login had no TOTP, and says how to get it", async () => {
    const h = await setup();
    const dave = await loggedIn(h, "dave");
    const page = await dave.request("/apps/shop/terminal");
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("users:2fa-enable");
    const res = await upgrade(dave, "anything");
    expect(res.status).toBe(403);
    expect(h.terminals.count()).toBe(0);
  });

  it("refuses a user without access to the app", async () => {
    const h = await setup();
    const erin = await loggedIn(h, "erin", totp(h, users[1]!.totpSecret!));
    expect((await erin.request("/apps/shop/terminal")).status).toBe(404);
    const alice = await loggedIn(h, "alice", totp(h, secret));
    // Even with a ticket of someone who has access, the ticket is not erin's.
    expect((await upgrade(erin, await ticketOf(alice))).status).toBe(403);
    expect(h.terminals.count()).toBe(0);
  });

  it("refuses a wrong or missing Origin", async () => {
    const h = await setup();
    const alice = await loggedIn(h, "alice", totp(h, secret));
    expect((await upgrade(alice, await ticketOf(alice), { origin: "http://evil.example" })).status).toBe(403);
    const noOrigin = await alice.request(`/apps/shop/terminal/ws?ticket=${await ticketOf(alice)}`, { headers: { upgrade: "websocket" } });
    expect(noOrigin.status).toBe(403);
    expect(h.terminals.count()).toBe(0);
  });

  it("refuses a missing, replayed or other session's ticket", async () => {
    const h = await setup();
    const alice = await loggedIn(h, "alice", totp(h, secret));
    expect((await upgrade(alice, undefined)).status).toBe(403);
    const ticket = await ticketOf(alice);
    expect((await upgrade(alice, ticket)).status).toBe(200);
    expect((await upgrade(alice, ticket)).status).toBe(403);
    const second = await loggedIn(h, "alice", totp(h, secret));
    expect((await upgrade(second, await ticketOf(alice))).status).toBe(403);
    expect(h.terminals.count()).toBe(1);
  });

  it("refuses more sessions than allowed per user and overall", async () => {
    const h = await setup({ maxPerUser: 2, maxTotal: 3 });
    const alice = await loggedIn(h, "alice", totp(h, secret));
    expect((await upgrade(alice, await ticketOf(alice))).status).toBe(200);
    expect((await upgrade(alice, await ticketOf(alice))).status).toBe(200);
    const third = await upgrade(alice, await ticketOf(alice));
    expect(third.status).toBe(429);
    expect(await third.text()).toContain("2 terminal sessions");
    expect(h.terminals.count()).toBe(2);
  });

  it("refuses a plain GET of the socket path and a pod that is not running", async () => {
    const h = await setup();
    const alice = await loggedIn(h, "alice", totp(h, secret));
    expect((await alice.request("/apps/shop/terminal/ws")).status).toBe(400);
    const res = await alice.request(`/apps/shop/terminal/ws?pod=gone-pod&ticket=${await ticketOf(alice)}`, {
      headers: { upgrade: "websocket", origin: alice.origin },
    });
    expect(res.status).toBe(404);
    expect(h.entered()).toBe(0);
  });
});
