import { beforeEach, describe, expect, it } from "vitest";
import { fakeServices } from "../../../../test/support/fakes/index.ts";
import { createApiRouter } from "./router.ts";

// The API over in-memory ports (test/support/fakes): routes, tokens, error codes and SSE.
let env: ReturnType<typeof fakeServices>;
let api: ReturnType<typeof createApiRouter>;
const ADMIN = { authorization: "Bearer qst_admin" };
const DEV = { authorization: "Bearer qst_dev" };

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) {
  return api.request(path, {
    method,
    headers: { ...headers, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

beforeEach(() => {
  env = fakeServices();
  env.access.tokens.set("qst_admin", { user: "admin", role: "admin" });
  env.access.tokens.set("qst_dev", { user: "dana", role: "developer" });
  api = createApiRouter({ services: env.services });
});

describe("/api/v1", () => {
  it("serves an OpenAPI 3.1 document generated from the verbs, without a token", async () => {
    const res = await api.request("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/apps/{app}/config"]?.patch?.operationId).toBe("appsConfigSet");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
  });

  it("refuses missing and bad tokens with 401 UNAUTHENTICATED", async () => {
    const none = await api.request("/apps");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(await none.json()).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
    expect((await call("GET", "/apps", undefined, { authorization: "Bearer nope" })).status).toBe(401);
    expect((await call("GET", "/apps", undefined, { authorization: "Token x" })).status).toBe(401);
    const basic = `Basic ${Buffer.from("admin:qst_admin").toString("base64")}`;
    expect((await call("GET", "/apps", undefined, { authorization: basic })).status).toBe(200);
    const wrongUser = `Basic ${Buffer.from("dana:qst_admin").toString("base64")}`;
    expect((await call("GET", "/apps", undefined, { authorization: wrongUser })).status).toBe(401);
  });

  it("mirrors the commands: create, config, scale, domains, volumes, releases, destroy", async () => {
    expect((await call("POST", "/apps", { name: "shop" })).status).toBe(200);
    expect(await (await call("GET", "/apps")).json()).toMatchObject([{ name: "shop" }]);
    expect((await call("PATCH", "/apps/shop/config", { vars: { A: "1", B: "two words" } })).status).toBe(200);
    expect(await (await call("GET", "/apps/shop/config")).json()).toEqual({ A: "1", B: "two words" });
    expect(await (await call("GET", "/apps/shop/config/B")).json()).toEqual({ key: "B", value: "two words" });
    expect((await call("DELETE", "/apps/shop/config", { keys: ["A"] })).status).toBe(200);
    expect(await (await call("POST", "/apps/shop/scale", { scale: { web: "2" } })).json()).toEqual({
      app: "shop",
      processes: { web: 2 },
    });
    expect((await call("POST", "/apps/shop/domains", { domain: "shop.example.com" })).status).toBe(200);
    expect((await call("DELETE", "/apps/shop/domains/shop.example.com")).status).toBe(200);
    expect((await call("POST", "/apps/shop/volumes", { name: "data", path: "/data", size: "2Gi" })).status).toBe(200);
    expect((await call("DELETE", "/apps/shop/volumes/data")).status).toBe(400);
    expect((await call("DELETE", "/apps/shop/volumes/data?confirm=shop")).status).toBe(200);
    expect(await (await call("GET", "/apps/shop/releases")).json()).toEqual([]);
    expect((await call("PUT", "/apps/shop/checks", { path: "/health" })).status).toBe(200);
    expect(env.apps.apps.get("shop")?.spec.healthCheckPath).toBe("/health");
    expect((await call("DELETE", "/apps/shop?confirm=shop")).status).toBe(200);
    expect(env.apps.apps.has("shop")).toBe(false);
  });

  it("answers errors with the same codes and HTTP statuses", async () => {
    await call("POST", "/apps", { name: "shop" });
    const cases: [string, string, unknown, number, string][] = [
      ["POST", "/apps", { name: "Bad" }, 400, "INVALID_APP_NAME"],
      ["POST", "/apps", { name: 5 }, 400, "USAGE"],
      ["POST", "/apps", "{not json", 400, "USAGE"],
      ["POST", "/apps", { name: "shop" }, 409, "APP_EXISTS"],
      ["GET", "/apps/ghost", undefined, 404, "APP_NOT_FOUND"],
      ["PATCH", "/apps/shop/config", { vars: { "1X": "y" } }, 400, "INVALID_CONFIG_KEY"],
      ["PATCH", "/apps/shop/config", { vars: { A: "x".repeat(40_000) } }, 413, "CONFIG_VALUE_TOO_LARGE"],
      ["POST", "/apps/shop/domains", { domain: "--confirm" }, 400, "INVALID_DOMAIN"],
      ["POST", "/apps/shop/scale", { scale: { web: "99" } }, 413, "SCALE_LIMIT"],
      ["GET", "/nope", undefined, 404, "NOT_FOUND"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await call(method, path, body);
      expect([path, res.status]).toEqual([path, status]);
      expect(await res.json()).toMatchObject({ error: { code } });
    }
  });

  it("applies roles: developers only reach granted apps, never admin verbs", async () => {
    await call("POST", "/apps", { name: "shop" });
    await call("POST", "/apps", { name: "blog" });
    env.access.grant("dana", "shop");
    expect((await call("GET", "/apps/shop", undefined, DEV)).status).toBe(200);
    const other = await call("GET", "/apps/blog", undefined, DEV);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
    expect((await call("POST", "/apps", { name: "mine" }, DEV)).status).toBe(403);
    expect(env.audit.entries.at(-1)).toMatchObject({ user: "dana", command: "apps:create", via: "api", exitCode: 1 });
  });

  it("runs any verb through /commands/{name}, as JSON or as SSE", async () => {
    await call("POST", "/apps", { name: "shop" });
    const res = await call("POST", "/commands/apps:config-set", { args: ["shop", "K=v"] });
    expect(await res.json()).toMatchObject({ app: "shop", keys: ["K"] });
    const sse = await api.request("/commands/help", {
      method: "POST",
      headers: { ...ADMIN, accept: "text/event-stream" },
      body: JSON.stringify({ args: ["apps:list"] }),
    });
    const text = await sse.text();
    expect(text).toContain("event: result");
    expect(text).toContain('"name":"apps:list"');
    expect((await call("POST", "/commands/nope", { args: [] })).status).toBe(400);
    expect((await call("POST", "/commands/version", { args: "x" })).status).toBe(400);
  });
});

describe("/api/v1 streaming", () => {
  it("streams release progress of config-set as SSE lines", async () => {
    await call("POST", "/apps", { name: "shop" });
    await env.releases.deploy(
      { app: "shop", image: "i", gitSha: "a", processes: {}, author: "a", description: "d" },
      { line: () => undefined },
    );
    const res = await api.request("/commands/apps:config-set", {
      method: "POST",
      headers: { ...ADMIN, accept: "text/event-stream" },
      body: JSON.stringify({ args: ["shop", "K=v"] }),
    });
    const text = await res.text();
    expect(text).toContain("event: line\ndata: -----> Releasing v2");
    expect(text).toContain('event: result\ndata: {"app":"shop","keys":["K"],"release":2,"restarted":true}');
  });

  it("streams a verb's output lines as SSE events, then its result", async () => {
    const { registryOf } = await import("@qs/commands");
    const streaming = registryOf([
      {
        name: "test:tail",
        summary: "streams",
        usage: "",
        mutating: false,
        run: (ctx) => {
          ctx.io.stdout.write("web.1 | one\nweb.1 | tw");
          ctx.io.stdout.write("o\n");
          return Promise.resolve({ json: { lines: 2 }, text: "" });
        },
      },
    ]);
    const streamingApi = createApiRouter({ services: env.services, registry: streaming });
    const res = await streamingApi.request("/commands/test:tail", {
      method: "POST",
      headers: { ...ADMIN, accept: "text/event-stream" },
      body: "{}",
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text).toBe(
      "event: line\ndata: web.1 | one\n\nevent: line\ndata: web.1 | two\n\nevent: result\ndata: {\"lines\":2}\n\n",
    );
  });
});

describe("/api/v1 audit", () => {
  it("names the app in the audit record whatever the argument order", async () => {
    await call("POST", "/apps", { name: "shop" });
    await call("PUT", "/apps/shop/resources", { process: "web", cpu: "1" });
    await call("POST", "/apps/shop/volumes", { name: "data", path: "/data", size: "2Gi" });
    expect(env.audit.entries.map((e) => [e.command, e.app])).toEqual([
      ["apps:create", "shop"],
      ["apps:resources-set", "shop"],
      ["apps:volumes-add", "shop"],
    ]);
  });
});
