// The web terminal in real headless Chromium: login with password + TOTP, the terminal
// page (xterm.js served by the control plane under its CSP), a shell in a pod of the API
// double (hostExec: a real pty), typing, resizing, closing the tab, the audit entry.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { generateTotpSecret, totpCode, type CommandServices } from "@qs/commands";
import { appNamespace, type AuditEntry } from "@qs/core";
import { createClusterOps } from "@qs/kube";
import { createTerminalHub, serveHttp, type HttpServer, type TerminalHub } from "@qs/web";
import { startDoubleWithApis, type DoubleWithApis } from "../../support/double-apis.ts";
import { createPagesHarness, sampleApp } from "../../support/fakes/web/index.ts";

const app = `t${randomUUID().slice(0, 8)}`;
const pod = `${app}-web-1`;
const secret = generateTotpSecret();
const audit: AuditEntry[] = [];
let d: DoubleWithApis;
let hub: TerminalHub;
let server: HttpServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  d = await startDoubleWithApis({ hostExec: true });
  const ns = appNamespace(app);
  await d.apis.namespaces.create({ metadata: { name: ns } });
  await d.apis.pods.create(ns, {
    metadata: { name: pod, labels: { "quickstack.dev/app": app, "quickstack.dev/process": "web" } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "web", image: "registry.local/x:1", command: ["sleep", "3600"] }] },
  });
  for (let i = 0; i < 200 && (await d.apis.pods.read(ns, pod)).status?.phase !== "Running"; i++) await new Promise((r) => setTimeout(r, 50));
  const services = {
    apps: { exists: (n: string) => Promise.resolve(n === app), get: (n: string) => Promise.resolve({ name: n, spec: { processes: {} }, status: {} }) },
    access: { canAccessApp: () => Promise.resolve(false) },
    ops: createClusterOps({ apis: d.apis }),
    audit: { record: (e: AuditEntry) => Promise.resolve(void audit.push(e)), list: () => Promise.resolve(audit) },
  } as unknown as CommandServices;
  hub = createTerminalHub({ services });
  const h = await createPagesHarness({
    users: [{ name: "alice", role: "admin", password: "alice-pw-1", totpSecret: secret }],
    apps: [sampleApp(app, { pods: [{ source: "web.1", pod, process: "web", state: "Running", ready: true, restarts: 0 }] })],
    options: { now: Date.now, clientAddress: undefined, terminals: hub },
  });
  server = await serveHttp(h.app, "127.0.0.1", 0);
  base = `http://127.0.0.1:${server.port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
});

afterAll(async () => {
  await browser?.close();
  hub?.close();
  await server?.close(1_000);
  await d?.close();
});

/** The terminal's screen as text (xterm's buffer, the lines a user sees). */
const screen = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const term = (globalThis as unknown as { qsTerminal: { buffer: { active: { length: number; getLine(i: number): { translateToString(trim: boolean): string } | undefined } } } }).qsTerminal;
    const lines: string[] = [];
    for (let i = 0; i < term.buffer.active.length; i++) lines.push(term.buffer.active.getLine(i)?.translateToString(true) ?? "");
    return lines.join("\n");
  });

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("web terminal in Chromium", () => {
  it("logs in with TOTP, types in a shell, resizes, closes the tab; the audit log shows one session", async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${base}/login`);
    await page.fill('input[name="user"]', "alice");
    await page.fill('input[name="password"]', "alice-pw-1");
    await page.fill('input[name="code"]', totpCode(secret));
    await page.press('input[name="password"]', "Enter");
    await page.waitForLoadState("load");
    await page.goto(`${base}/apps/${app}/terminal?command=sh`);
    await page.locator("#terminal-state", { hasText: `connected to ${pod}` }).waitFor({ timeout: 10_000 });
    await page.locator("#terminal .xterm-helper-textarea").focus();
    await page.keyboard.type("echo $((6*7))");
    await page.keyboard.press("Enter");
    await until(async () => /^(# )?42$/m.test(await screen(page)), "42 on the screen");

    const size = async () => page.evaluate(() => {
      const t = (globalThis as unknown as { qsTerminal: { rows: number; cols: number } }).qsTerminal;
      return `${t.rows} ${t.cols}`;
    });
    const first = await size();
    await page.keyboard.type("stty size");
    await page.keyboard.press("Enter");
    await until(async () => (await screen(page)).includes(`\n${first}`), `stty size ${first}`);
    await page.setViewportSize({ width: 700, height: 450 });
    await until(async () => (await size()) !== first, "xterm to fit the smaller window");
    const second = await size();
    await page.keyboard.type("clear; stty size");
    await page.keyboard.press("Enter");
    await until(async () => (await screen(page)).includes(second), `stty size ${second}`);

    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    const before = audit.length;
    await page.close();
    await until(() => Promise.resolve(audit.length > before), "the audit entry");
    expect(audit.filter((e) => e.app === app)).toHaveLength(1);
    expect(audit.at(-1)).toMatchObject({ user: "alice", command: "apps:enter", app, pod, via: "web" });
    expect(hub.count()).toBe(0);
    await context.close();
  });
});
