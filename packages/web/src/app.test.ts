import { describe, expect, it } from "vitest";
import { NotFoundError, silentLogger } from "@qs/core";
import type { CommandServices } from "@qs/commands";
import { createHttpApp } from "./app.ts";
import { createFakeStatusSource, createMemoryLoginThrottle, createMemoryMetricStore, createMemorySessionStore, createMemoryUserDirectory } from "../../../test/support/fakes/web/index.ts";

describe("createHttpApp", () => {
  it("keeps health, readiness and error mapping, and mounts API, extra routes and pages in order", async () => {
    const app = createHttpApp({
      logger: silentLogger,
      readiness: { redis: () => Promise.resolve(), kubernetes: () => Promise.reject(new Error("no cluster")) },
      // The API's OpenAPI document needs no services; the rest is not called here.
      api: { services: {} as CommandServices, access: { authenticateKey: () => Promise.resolve(undefined), authenticateToken: () => Promise.resolve(undefined), canAccessApp: () => Promise.resolve(false) } },
      mount: (a) => {
        a.get("/shop.git/info/refs", (c) => c.text("git"));
        a.get("/boom", () => {
          throw new NotFoundError("THING_NOT_FOUND", "no thing");
        });
      },
      statusPages: {
        status: createFakeStatusSource({ apps: [] }),
        users: await createMemoryUserDirectory([]),
        sessions: createMemorySessionStore(),
        throttle: createMemoryLoginThrottle(),
        metrics: createMemoryMetricStore(),
        logger: silentLogger,
      },
    });
    expect(await (await app.request("/healthz")).text()).toBe("ok\n");
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/^redis: ok\nkubernetes: not ready — /);
    const openapi = await app.request("/api/v1/openapi.json");
    expect(openapi.status).toBe(200);
    expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    expect((await app.request("/api/v1/apps")).status).toBe(401);
    expect(await (await app.request("/shop.git/info/refs")).text()).toBe("git");
    const boom = await app.request("/boom");
    expect(boom.status).toBe(404);
    expect(await boom.json()).toMatchObject({ error: { code: "THING_NOT_FOUND" } });
    expect(await (await app.request("/login")).text()).toContain('action="/login"');
    expect((await app.request("/")).headers.get("location")).toBe("/login");
  });
});
