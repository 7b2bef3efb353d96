// The status page in a real browser (Debian's Chromium via playwright-core), served over
// real HTTP, with sessions, throttle, TOTP steps and metrics in the real Redis. Apps come
// from the in-memory StatusSource fake (test/support/fakes/web): no cluster here.
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { generateTotpSecret, totpCode } from "@qs/commands";
import { createRedis, createRedisLoginThrottle, createRedisMetricStore, createRedisSessionStore, createRedisTotpSteps, type Redis } from "@qs/redis";
import { serveHttp, type HttpServer } from "@qs/web";
import { createMemoryUserDirectory, createPagesHarness, sampleApp, type FakeStatusSource } from "../../support/fakes/web/index.ts";

const shots = join(import.meta.dirname, "../../../test-output/web");
const prefix = `test-${randomUUID()}:`;
const secrets = { alice: generateTotpSecret(), carol: generateTotpSecret() };

let redis: Redis;
let server: HttpServer;
let browser: Browser;
let status: FakeStatusSource;
let base: string;

beforeAll(async () => {
  await mkdir(shots, { recursive: true });
  redis = createRedis(process.env.QS_TEST_REDIS_URL!);
  const directory = await createMemoryUserDirectory([
    { name: "alice", role: "admin", password: "alice-pw-1", totpSecret: secrets.alice },
    { name: "carol", role: "admin", password: "carol-pw-1", totpSecret: secrets.carol },
    { name: "dave", role: "developer", password: "dave-pw-1" },
  ]);
  const metrics = createRedisMetricStore(redis, { prefix });
  for (let i = 0; i < 60; i++)
    await metrics.append("app:shop", { at: Date.now() - i * 60_000, cpuMillicores: 50 + (i % 7) * 20, memoryBytes: 150e6 + i * 1e6 });
  const h = await createPagesHarness({
    users: [],
    apps: [
      sampleApp("shop", {
        conditions: [
          { type: "Ready", status: "True", reason: "RolloutComplete" },
          { type: "Progressing", status: "False", reason: "RolloutComplete" },
          { type: "Degraded", status: "False", reason: "RolloutComplete" },
        ],
        autoscalers: [{ process: "web", min: 1, max: 5, current: 2, desired: 3, targets: ["cpu 91%/70%"], lastScaleTime: new Date(Date.now() - 120_000).toISOString(), lastScaleReason: "New size: 2; reason: cpu resource utilization (percentage of request) above target" }],
      }),
      sampleApp("secret-app"),
    ],
    grants: { dave: ["shop"] },
    options: {
      now: Date.now,
      clientAddress: undefined,
      users: { ...directory, ...createRedisTotpSteps(redis, { prefix }) },
      sessions: createRedisSessionStore(redis, { prefix }),
      throttle: createRedisLoginThrottle(redis, { prefix }),
      metrics,
    },
  });
  status = h.status;
  server = await serveHttp(h.app, "127.0.0.1", 0);
  base = `http://127.0.0.1:${server.port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close(1_000);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function logIn(page: Page, user: string, password: string, code = ""): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name="user"]', user);
  await page.fill('input[name="password"]', password);
  if (code) await page.fill('input[name="code"]', code);
  // Submit with the keyboard: the form must work without a mouse.
  await page.press('input[name="password"]', "Enter");
  await page.waitForLoadState("load");
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("status page in Chromium", () => {
  it("logs in with password + TOTP, lists apps, follows a live log line, logs out", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await logIn(page, "alice", "alice-pw-1", totpCode(secrets.alice));
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await page.locator("#apps a", { hasText: "shop" }).count()).toBeGreaterThan(0);
    expect(await page.locator("#apps").textContent()).toContain("secret-app");
    expect(await page.locator("#apps svg.spark").count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, "overview.png"), fullPage: true });

    await page.click('a[href="/apps/shop"]');
    await page.waitForSelector("#releases");
    expect(await page.locator("#autoscalers tbody tr").first().innerText()).toMatch(/^web\s+1–5\s+2\/3\s+cpu 91%\/70%\s+2m ago\s+New size: 2; reason: cpu resource utilization/);
    await until(() => status.followers("shop") > 0, "the browser's EventSource");
    const line = `GET /checkout 200 ${randomUUID()}`;
    status.emitLog("shop", "web.1", line);
    await page.locator("#log", { hasText: line }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#log-state").textContent()).toBe("live");
    await page.screenshot({ path: join(shots, "app-live-log.png"), fullPage: true });

    await page.click('button:has-text("Log out")');
    await page.waitForSelector('input[name="password"]');
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.screenshot({ path: join(shots, "logged-out.png") });
    // The CSP forbids nothing the pages need: no violations reported.
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  });

  it("refuses a wrong TOTP code", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const right = totpCode(secrets.alice);
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, "0");
    await logIn(page, "alice", "alice-pw-1", wrong);
    expect(await page.locator("#login-error").textContent()).toBe("Wrong user name, password or code.");
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.screenshot({ path: join(shots, "wrong-totp.png") });
    await context.close();
  });

  it("refuses a TOTP code used once already", async () => {
    const code = totpCode(secrets.carol);
    const first = await browser.newContext();
    const p1 = await first.newPage();
    await logIn(p1, "carol", "carol-pw-1", code);
    expect(new URL(p1.url()).pathname).toBe("/");
    const second = await browser.newContext();
    const p2 = await second.newPage();
    await logIn(p2, "carol", "carol-pw-1", code);
    expect(new URL(p2.url()).pathname).toBe("/login");
    expect(await p2.locator("#login-error").textContent()).toBe("Wrong user name, password or code.");
    await p2.screenshot({ path: join(shots, "replayed-totp.png") });
    await first.close();
    await second.close();
  });

  it("shows a developer only the apps granted to them", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, "dave", "dave-pw-1");
    expect(await page.locator("#apps").textContent()).toContain("shop");
    expect(await page.locator("#apps").textContent()).not.toContain("secret-app");
    expect(await page.locator('a[href="/nodes"]').count()).toBe(0);
    await page.screenshot({ path: join(shots, "developer-overview.png") });
    const res = await page.goto(`${base}/apps/secret-app`);
    expect(res?.status()).toBe(404);
    await page.screenshot({ path: join(shots, "developer-not-found.png") });
    await context.close();
  });

  it("works without JavaScript apart from the live log", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await logIn(page, "dave", "dave-pw-1");
    expect(new URL(page.url()).pathname).toBe("/");
    await page.click('a[href="/apps/shop"]');
    await page.waitForSelector("#releases");
    expect(await page.locator("#log-state").textContent()).toBe("(live with JavaScript)");
    // Healthy conditions render in the same colour as Ready: True, not in the error red.
    // Runs in the page; the tests compile without the DOM lib, hence the cast.
    const colourOf = (el: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color;
    const colour = (text: string) => page.locator("#conditions span", { hasText: text }).evaluate(colourOf);
    const bad = await page.locator("#pods .bad").first().evaluate(colourOf);
    const ready = await colour("Ready: True");
    expect(await colour("Progressing: False")).toBe(ready);
    expect(await colour("Degraded: False")).toBe(ready);
    expect(ready).not.toBe(bad);
    expect(await page.locator("#volumes").textContent()).toContain("/app/uploads");
    expect(await page.locator("#config-keys").textContent()).toContain("DATABASE_URL");
    await page.screenshot({ path: join(shots, "no-javascript-app.png"), fullPage: true });
    await page.click('button:has-text("Log out")');
    await page.waitForSelector('input[name="password"]');
    expect(new URL(page.url()).pathname).toBe("/login");
    await context.close();
  });
});
