import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { createApiRouter } from "../../../packages/web/src/api/index.ts";
import { serveHttp, type HttpServer } from "@qs/web";
import { startCommandsHarness, type CommandsHarness } from "./harness.ts";

// The add-on verbs end to end over the real OpenSSH client and /api/v1, against the API
// double: objects rendered in the owner's namespace, URL vars set through the config path
// with a release, attachments, rotation, destroy keeping the volume, and bad input that
// changes nothing.
let t: CommandsHarness;
let http: HttpServer;
let token: string;

beforeAll(async () => {
  t = await startCommandsHarness();
  const root = new Hono();
  root.route("/api/v1", createApiRouter({ services: t.services }));
  http = await serveHttp(root, "127.0.0.1", 0);
  token = (JSON.parse((await t.run("tokens:create addons --json")).stdout) as { token: string }).token;
});
afterAll(async () => {
  await http.close(0);
  await t.close();
});

async function deployed(prefix: string): Promise<string> {
  const app = t.appName(prefix);
  expect((await t.run(`apps:create ${app}`)).code).toBe(0);
  await t.services.releases.deploy(
    { app, image: `127.0.0.1:5000/${app}@sha256:${"1".repeat(64)}`, gitSha: "a".repeat(40), processes: { web: "node s.js" }, author: "admin", description: "Deploy aaaaaaa" },
    { line: () => undefined },
    new AbortController().signal,
  );
  return app;
}

const ns = (app: string): string => `qs-app-${app}`;

describe("addons over SSH and HTTP against the API double", () => {
  it("creates a postgres add-on, sets DATABASE_URL with a release, shares, rotates and destroys it", async () => {
    const shop = await deployed("shop");
    const created = await t.run(`addons:create ${shop} postgres --version 15 --size 2Gi`);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("Setting DATABASE_URL");
    expect(created.stdout).toContain("Released v2");
    const sts = t.h.double.find("apps/v1", "StatefulSet", ns(shop), "addon-postgres");
    expect(sts).toBeDefined();
    expect(t.h.double.find("v1", "Service", ns(shop), "addon-postgres")).toBeDefined();
    const url = (await t.services.config.get(shop)).DATABASE_URL ?? "";
    expect(url).toMatch(new RegExp(`^postgres://postgres:[\\w-]{32}@addon-postgres\\.qs-app-${shop}\\.svc:5432/postgres$`));
    const password = url.slice("postgres://postgres:".length, url.indexOf("@"));
    // The password is in the Secret and the app's config, never in output or the pod spec.
    expect(created.stdout).not.toContain(password);
    expect(JSON.stringify(sts)).not.toContain(password);

    const info = await t.run(`apps:info ${shop}`);
    expect(info.stdout).toContain(`${shop}/postgres as DATABASE_URL`);
    const listed = await t.run(`addons ${shop}`);
    expect(listed.stdout).toMatch(/postgres\s+postgres 15\s+2Gi/);

    // Shared with a second app under another name; the HTTP face shows it.
    const api = await deployed("api");
    const attached = await t.run(`addons:attach ${api} ${shop}/postgres --as SHOP_DB`);
    expect(attached.code).toBe(0);
    expect((await t.services.config.get(api)).SHOP_DB_URL).toBe(url);
    const res = await fetch(`http://127.0.0.1:${http.port}/api/v1/apps/${shop}/addons/postgres`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { kind: string; attachments: { app: string; var: string }[] };
    expect(body.kind).toBe("postgres");
    expect(body.attachments).toEqual(expect.arrayContaining([{ app: api, var: "SHOP_DB_URL" }, { app: shop, var: "DATABASE_URL" }]));
    expect(JSON.stringify(body)).not.toContain(password);

    // Rotation: new password for both apps, each in a new release.
    const rotated = await t.run(`addons:credentials-rotate ${shop} postgres`);
    expect(rotated.code).toBe(0);
    const url2 = (await t.services.config.get(shop)).DATABASE_URL;
    expect(url2).not.toBe(url);
    expect((await t.services.config.get(api)).SHOP_DB_URL).toBe(url2);
    expect(rotated.stdout).not.toContain(url2?.slice(20, 40) ?? "-");

    // Destroying what another app uses needs --force; a refused destroy changes nothing.
    const refused = await t.run(`addons:destroy ${shop} postgres --confirm postgres`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`used by ${api}`);
    expect(t.h.double.find("apps/v1", "StatefulSet", ns(shop), "addon-postgres")).toBeDefined();
    expect((await t.run(`addons:detach ${api} ${shop}/postgres`)).code).toBe(0);
    expect((await t.services.config.get(api)).SHOP_DB_URL).toBeUndefined();
    const destroyed = await t.run(`addons:destroy ${shop} postgres --confirm postgres`);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain("volume data-addon-postgres-0 is kept");
    expect((await t.services.config.get(shop)).DATABASE_URL).toBeUndefined();
    expect((await t.services.apps.get(shop)).spec.addons ?? []).toEqual([]);
    expect(t.h.double.find("v1", "PersistentVolumeClaim", ns(shop), "data-addon-postgres-0")).toBeDefined();
  });

  it("apps:destroy of an app whose add-on another app uses needs --force, and then detaches it", async () => {
    const owner = await deployed("own");
    expect((await t.run(`addons:create ${owner} redis`)).code).toBe(0);
    const user = await deployed("use");
    expect((await t.run(`addons:attach ${user} ${owner}/redis --as CACHE`)).code).toBe(0);
    const refused = await t.run(`apps:destroy ${owner} --confirm ${owner}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`used by other apps: ${user} (CACHE_URL from ${owner}/redis)`);
    expect(refused.stderr).toContain("--force");
    expect(await t.services.apps.exists(owner)).toBe(true);
    expect((await t.services.config.get(user)).CACHE_URL).toBeDefined();

    const forced = await t.run(`apps:destroy ${owner} --confirm ${owner} --force`);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`detached its add-ons from ${user} (unset CACHE_URL)`);
    expect((await t.services.config.get(user)).CACHE_URL).toBeUndefined();
    expect((await t.services.apps.get(user)).spec.addons ?? []).toEqual([]);
  });

  it("creates redis with REDIS_URL, or NAME_URL with --as", async () => {
    const app = await deployed("cache");
    expect((await t.run(`addons:create ${app} redis --as SESSIONS`)).code).toBe(0);
    expect((await t.services.config.get(app)).SESSIONS_URL).toMatch(/^redis:\/\/default:[\w-]+@addon-redis\./);
  });

  it("takes mysql as MariaDB", async () => {
    const app = await deployed("maria");
    expect((await t.run(`addons:create ${app} mysql --version 10.11`)).code).toBe(0);
    expect((await t.services.config.get(app)).DATABASE_URL).toMatch(/^mysql:\/\/root:[\w-]+@addon-mariadb\./);
  });

  it("mongodb: the pinned official image, an authenticated probe, MONGODB_URL (rendering only: no MongoDB runs here)", async () => {
    const app = await deployed("mongo");
    const r = await t.run(`addons:create ${app} mongo`);
    expect(r.code).toBe(0);
    const url = (await t.services.config.get(app)).MONGODB_URL ?? "";
    expect(url).toMatch(new RegExp(`^mongodb://root:[\\w-]+@addon-mongodb\\.${ns(app)}\\.svc:27017/app\\?authSource=admin$`));
    expect(r.stdout).not.toContain(url);
    const sts = await t.h.apis.custom<{ spec: { template: { spec: { containers: { image: string; readinessProbe: { exec: { command: string[] } } }[] } } } }>("apps/v1", "statefulsets").read(ns(app), "addon-mongodb");
    const c = sts.spec.template.spec.containers[0];
    expect(c?.image).toBe("docker.io/library/mongo:8.0.12");
    expect(c?.readinessProbe.exec.command[0]).toBe("mongosh");
    const info = await t.run(`addons:info ${app} mongodb`);
    expect(info.stdout).toContain("mongodb");
    expect(info.stdout).not.toContain(url);
  });

  it("refuses bad input with a clear error and changes nothing", async () => {
    const app = await deployed("bad");
    const cases: [string, RegExp][] = [
      [`addons:create ${app} oracle`, /unknown add-on kind "oracle"[\s\S]*kinds: postgres, redis, mariadb, mongodb/],
      [`addons:create ${app} postgres --version 9`, /postgres version "9" is not offered/],
      [`addons:create ${app} postgres --size lots`, /size|quantity/i],
      [`addons:create ${app} postgres --name Bad_Name`, /not a valid add-on name/],
      [`addons:create ${app} postgres --as 1X`, /cannot name a config var/],
      [`addons:info ${app} nope`, /has no add-on "nope"/],
    ];
    for (const [line, message] of cases) {
      const r = await t.run(line);
      expect(r.code, line).not.toBe(0);
      expect(r.stderr, line).toMatch(message);
    }
    expect(t.h.double.list("apps/v1", "StatefulSet", ns(app))).toEqual([]);
    expect(await t.services.config.get(app)).toEqual({});
    // A name clash, and a second add-on onto a variable already set, are refused.
    expect((await t.run(`addons:create ${app} postgres`)).code).toBe(0);
    const clash = await t.run(`addons:create ${app} postgres`);
    expect(clash.stderr).toContain("already");
    const taken = await t.run(`addons:create ${app} postgres --name other`);
    expect(taken.stderr).toContain("DATABASE_URL from add-on");
    expect(t.h.double.list("apps/v1", "StatefulSet", ns(app)).map((s) => s.metadata.name)).toEqual(["addon-postgres"]);
    const unconfirmed = await t.run(`addons:destroy ${app} postgres`);
    expect(unconfirmed.stderr).toContain("--confirm postgres");
  });
});
