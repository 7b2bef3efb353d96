import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { createApiRouter } from "../../../packages/web/src/api/index.ts";
import { serveHttp, type HttpServer } from "@qs/web";
import { startCommandsHarness, type CommandsHarness } from "./harness.ts";

// The HTTP face over real HTTP: tokens made with `ssh qs tokens:create` (real OpenSSH
// client) authenticate /api/v1 calls that run the same verbs on the kube stores.
let t: CommandsHarness;
let http: HttpServer;
let adminToken: string;
let devToken: string;

beforeAll(async () => {
  t = await startCommandsHarness();
  const root = new Hono();
  root.route("/api/v1", createApiRouter({ services: t.services }));
  http = await serveHttp(root, "127.0.0.1", 0);
  adminToken = (JSON.parse((await t.run("tokens:create e2e --json")).stdout) as { token: string }).token;
  devToken = (JSON.parse((await t.run("tokens:create e2e --json", t.devKey)).stdout) as { token: string }).token;
});
afterAll(async () => {
  await http.close(0);
  await t.close();
});

function api(method: string, path: string, body?: unknown, token = adminToken) {
  return fetch(`http://127.0.0.1:${http.port}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("/api/v1 over HTTP against the API double", () => {
  it("runs the apps verbs with a token made over SSH", async () => {
    const app = t.appName("api");
    expect((await api("POST", "/apps", { name: app })).status).toBe(200);
    expect((await api("PATCH", `/apps/${app}/config`, { vars: { A: "1" }, noRestart: true })).status).toBe(200);
    expect(await (await api("GET", `/apps/${app}/config`)).json()).toEqual({ A: "1" });
    expect(await t.services.config.get(app)).toEqual({ A: "1" });
    expect((await api("POST", `/apps/${app}/domains`, { domain: `${app}.example.com` })).status).toBe(200);
    expect((await t.services.apps.get(app)).spec.domains).toEqual([`${app}.example.com`]);
    const audit = await t.audit.list({ app });
    expect(audit.map((e) => [e.command, e.via])).toContainEqual(["apps:config-set", "api"]);
    expect((await api("DELETE", `/apps/${app}?confirm=${app}`)).status).toBe(200);
  });

  it("gives the same error codes and refuses what the role may not do", async () => {
    const app = t.appName("apierr");
    await api("POST", "/apps", { name: app });
    const bad = await api("POST", `/apps/${app}/scale`, { scale: { clock: "1" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "UNKNOWN_PROCESS_TYPE" } });
    const other = await api("GET", `/apps/${app}`, undefined, devToken);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: { code: "FORBIDDEN", hint: expect.stringContaining("access:grant") } });
    expect((await api("GET", "/apps", undefined, "qst_not-a-token")).status).toBe(401);
    const doc = (await (await fetch(`http://127.0.0.1:${http.port}/api/v1/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe("3.1.0");
  });
});
