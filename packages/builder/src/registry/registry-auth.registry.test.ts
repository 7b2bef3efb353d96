import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createRegistryClient } from "./registry-client.ts";
import { pushTinyImage } from "./tiny-image.ts";

const REGISTRY = new URL(process.env.QS_TEST_REGISTRY_URL ?? "http://127.0.0.1:5000");

/**
 * A token-auth front for the real docker-registry, as distribution's token spec describes
 * (docs/spec/auth/token.md): /v2/ answers 401 with a Bearer challenge unless a token is
 * sent; /token trades basic credentials for one. Everything else goes to the registry.
 */
async function tokenAuthFront(user: string, password: string) {
  const token = randomUUID();
  const seen: { tokenRequests: string[] } = { tokenRequests: [] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    if (url.pathname === "/token") {
      seen.tokenRequests.push(url.searchParams.get("scope") ?? "");
      const basic = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
      if (req.headers.authorization !== basic) return void res.writeHead(401).end();
      return void res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ token }));
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      const { port } = server.address() as AddressInfo;
      res.writeHead(401, {
        "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:${url.pathname.split("/").slice(2, 4).join("/")}:pull"`,
      });
      return void res.end();
    }
    const upstream = httpRequest(
      {
        host: REGISTRY.hostname,
        port: REGISTRY.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: REGISTRY.host, authorization: "" },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const fronts: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const f of fronts.splice(0)) await f.close();
});

describe("registry token auth", () => {
  it("follows the Bearer challenge with basic credentials and reuses the token", async () => {
    const repo = `test-${randomUUID().slice(0, 8)}/app`;
    const digest = await pushTinyImage(REGISTRY.origin, repo, "v1", "2026-01-01T00:00:00Z");
    const front = await tokenAuthFront("qs", "s3cret");
    fronts.push(front);
    const client = createRegistryClient({ url: front.url, username: "qs", password: "s3cret" });
    expect(await client.manifestExists(repo, digest)).toBe(true);
    expect(await client.listTags(repo)).toEqual(["v1"]);
    expect(front.seen.tokenRequests).toEqual([`repository:${repo}:pull`]);
  });

  it("says which credentials were refused", async () => {
    const front = await tokenAuthFront("qs", "s3cret");
    fronts.push(front);
    const client = createRegistryClient({ url: front.url, username: "qs", password: "wrong" });
    await expect(client.listTags("x/y")).rejects.toMatchObject({ code: "REGISTRY_UNAUTHORIZED" });
  });
});
