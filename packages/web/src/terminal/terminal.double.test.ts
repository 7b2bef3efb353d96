// The exec WebSocket end to end over a real HTTP server and the Kubernetes API double,
// whose hostExec runs the command under a real pseudo-terminal: `apps:enter` through the
// command layer, real REST client and remote-command protocol, real `ws` client.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { appNamespace, silentLogger, type AccessControl, type AuditEntry, type Principal } from "@qs/core";
import type { CommandServices } from "@qs/commands";
import { createClusterOps } from "@qs/kube";
import { startDoubleWithApis, type DoubleWithApis } from "../../../../test/support/double-apis.ts";
import { createHttpApp } from "../app.ts";
import { serveHttp, type HttpServer } from "../serve.ts";
import { createTerminalHub, type TerminalHub } from "./hub.ts";

const app = `t${randomUUID().slice(0, 8)}`;
const tokens: Record<string, Principal> = { qst_alice: { user: "alice", role: "admin" }, qst_dave: { user: "dave", role: "developer" } };
let grants: Record<string, string[]> = { dave: [app] };
const audit: AuditEntry[] = [];
let d: DoubleWithApis;
let server: HttpServer;
let hub: TerminalHub;
let base: string;

beforeAll(async () => {
  d = await startDoubleWithApis({ hostExec: true });
  const ns = appNamespace(app);
  await d.apis.namespaces.create({ metadata: { name: ns } });
  const labels = { "quickstack.dev/app": app, "quickstack.dev/process": "web" };
  await d.apis.pods.create(ns, {
    metadata: { name: `${app}-web-1`, labels },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "web", image: "registry.local/x:1", command: ["sleep", "3600"] }] },
  });
  for (let i = 0; i < 200; i++) {
    const pod = await d.apis.pods.read(ns, `${app}-web-1`);
    if (pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const access: AccessControl = {
    authenticateKey: () => Promise.resolve(undefined),
    authenticateToken: (_user, token) => Promise.resolve(tokens[token]),
    canAccessApp: (p, a) => Promise.resolve(p.role === "admin" || (grants[p.user] ?? []).includes(a)),
  };
  // The parts apps:enter reads besides ops: the App (no release yet: process types default to web).
  const services = {
    apps: {
      exists: (name: string) => Promise.resolve(name === app),
      get: (name: string) => Promise.resolve({ name, spec: { processes: {} }, status: {} }),
    },
    access,
    ops: createClusterOps({ apis: d.apis }),
    audit: { record: (e: AuditEntry) => Promise.resolve(void audit.push(e)), list: () => Promise.resolve(audit) },
  } as unknown as CommandServices;
  hub = createTerminalHub({ services, recheckMs: 200 });
  const http = createHttpApp({ logger: silentLogger, readiness: {}, api: { services, terminals: hub } });
  server = await serveHttp(http, "127.0.0.1", 0);
  base = `ws://127.0.0.1:${server.port}/api/v1/apps/${app}/exec`;
});

afterAll(async () => {
  hub?.close();
  await server?.close(1_000);
  await d?.close();
});

/** A client session: collected output, control frames, and a way to wait for text. */
function open(query: string, headers: Record<string, string> = { authorization: "Bearer qst_alice" }) {
  const ws = new WebSocket(`${base}${query}`, { headers });
  let output = "";
  const frames: Record<string, unknown>[] = [];
  ws.on("message", (data, binary) => {
    if (binary) output += Buffer.from(data as Buffer).toString("utf8");
    else frames.push(JSON.parse(Buffer.from(data as Buffer).toString("utf8")) as Record<string, unknown>);
  });
  const closed = new Promise<void>((resolve) => ws.on("close", () => resolve()));
  const refused = new Promise<number>((resolve) => ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)));
  return {
    ws,
    frames,
    closed,
    refused,
    output: () => output,
    type: (text: string) => ws.send(Buffer.from(text), { binary: true }),
    async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
      const end = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${pattern} in ${JSON.stringify(output.slice(-400))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

describe("/api/v1/apps/{app}/exec over the API double", () => {
  it("runs a shell with a TTY: output, stty size and resize, exit code 3, one audit entry", async () => {
    const before = audit.length;
    const s = open("?command=sh&cols=80&rows=24");
    await new Promise((r) => s.ws.once("open", r));
    s.type("echo $((6*7))\r");
    await s.waitFor(/42\r?\n/);
    s.type("stty size\r");
    await s.waitFor(/24 80/);
    s.ws.send(JSON.stringify({ type: "resize", cols: 100, rows: 30 }));
    await new Promise((r) => setTimeout(r, 200));
    s.type("stty size\r");
    await s.waitFor(/30 100/);
    s.type("exit 3\r");
    await s.closed;
    expect(s.frames[0]).toEqual({ type: "started", pod: `${app}-web-1` });
    expect(s.frames.at(-1)).toMatchObject({ type: "end", reason: "exited", exitCode: 3, message: "exited with code 3" });
    expect(audit.length).toBe(before + 1);
    const entry = audit.at(-1)!;
    expect(entry).toMatchObject({ user: "alice", command: "apps:enter", app, pod: `${app}-web-1`, exitCode: 3, via: "api" });
    expect(Date.parse(entry.startedAt!)).toBeLessThanOrEqual(Date.parse(entry.at));
    // Never keystrokes or output: the entry holds these fields and nothing else.
    expect(entry).toEqual({
      user: "alice",
      command: "apps:enter",
      args: [app],
      app,
      pod: `${app}-web-1`,
      exitCode: 3,
      via: "api",
      at: expect.any(String),
      startedAt: expect.any(String),
    });
    // (Timestamps and the random app name left out: their digits may hold a 42.)
    const rest = JSON.stringify({ ...entry, at: undefined, startedAt: undefined }).replaceAll(app, "APP");
    expect(rest).not.toMatch(/6\*7|42|stty/);
    expect(hub.count()).toBe(0);
  });

  it("refuses without a token, with a foreign Origin, and for a developer without the grant", async () => {
    expect(await open("", {}).refused).toBe(401);
    expect(await open("", { authorization: "Bearer qst_alice", origin: "http://evil.example" }).refused).toBe(403);
    grants = { dave: [] };
    expect(await open("", { authorization: "Bearer qst_dave" }).refused).toBe(403);
    expect(hub.count()).toBe(0);
  });

  it("ends the session when the user loses access, and says why", async () => {
    grants = { dave: [app] };
    const s = open("?command=sh", { authorization: "Bearer qst_dave" });
    await new Promise((r) => s.ws.once("open", r));
    s.type("echo ready\r");
    await s.waitFor(/ready\r?\n/);
    grants = { dave: [] };
    await s.closed;
    expect(s.frames.at(-1)).toMatchObject({ type: "end", reason: "access-lost" });
    expect(audit.at(-1)).toMatchObject({ user: "dave", app, via: "api" });
  });

  it("ends every session of a user on logout everywhere", async () => {
    const s = open("?command=sh");
    await new Promise((r) => s.ws.once("open", r));
    s.type("echo up\r");
    await s.waitFor(/up\r?\n/);
    hub.endForUser("alice", { reason: "logged-out", message: "you logged out" });
    await s.closed;
    expect(s.frames.at(-1)).toMatchObject({ type: "end", reason: "logged-out", message: "you logged out" });
  });
});
