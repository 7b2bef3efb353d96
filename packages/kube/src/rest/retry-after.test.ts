import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestClient, retryAfterMs } from "./client.ts";
import type { KubeConnection } from "./connection.ts";

// A real API server answers 429 "storage is (re)initializing" with Retry-After for a moment
// after a CRD is created or changed (seen on the local real cluster when the reconciler
// listed Apps right after installing the CRDs); the client waits and sends again.

let server: Server;
let answers: { status: number; retryAfter?: string }[] = [];
let seen = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    seen++;
    const next = answers.shift() ?? { status: 200 };
    if (next.retryAfter !== undefined) res.setHeader("Retry-After", next.retryAfter);
    res.writeHead(next.status, { "Content-Type": "application/json" });
    res.end(
      next.status === 200
        ? JSON.stringify({ kind: "AppList", items: [] })
        : JSON.stringify({
            kind: "Status",
            code: next.status,
            message: "storage is (re)initializing",
          }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function client() {
  const { port } = server.address() as AddressInfo;
  const connection: KubeConnection = {
    source: { kind: "cluster" },
    server: `http://127.0.0.1:${port}`,
    namespace: undefined,
    tls: { insecure: false },
    authorization: () => undefined,
    plugin: false,
  };
  return createRestClient(connection);
}

describe("429 with Retry-After", () => {
  it("is retried after the time the server asks for, then succeeds", async () => {
    answers = [
      { status: 429, retryAfter: "0" },
      { status: 429, retryAfter: "0" },
    ];
    seen = 0;
    const c = client();
    const list = await c.json<{ kind: string }>("GET", "/apis/quickstack.dev/v1alpha1/apps");
    expect(list.kind).toBe("AppList");
    expect(seen).toBe(3);
    c.close();
  });

  it("is not retried without Retry-After, nor past the attempt limit", async () => {
    answers = [{ status: 429 }];
    const c = client();
    await expect(c.json("GET", "/api/v1/pods")).rejects.toThrow(/429/);
    c.close();
    expect(retryAfterMs({ statusCode: 429, headers: { "retry-after": "1" } }, 1)).toBe(1000);
    expect(retryAfterMs({ statusCode: 429, headers: { "retry-after": "1" } }, 10)).toBeUndefined();
    expect(retryAfterMs({ statusCode: 500, headers: { "retry-after": "1" } }, 1)).toBeUndefined();
    expect(retryAfterMs({ statusCode: 429, headers: { "retry-after": "600" } }, 1)).toBe(10_000);
  });
});
