import { randomUUID } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "@qs/core";
import { eventually } from "../../../../test/e2e/deploy/harness.ts";
import { ensureAddonImages, localAddonImages } from "../../../../test/cluster/builders/addon-images.ts";
import { createAppStore } from "../app-store.ts";
import { type KubeApis, createKubeApis, orUndefined } from "../apis.ts";
import { installCrds } from "../crds/install.ts";
import { loadKubeConnection } from "../rest/connection.ts";
import { openRemoteCommand } from "../rest/remote-command.ts";
import { exitCodeFromStatus } from "../ops/terminal.ts";
import { createAddonManager } from "./manager.ts";
import { addonNames } from "./render.ts";

// A postgres add-on on the real cluster, from an image made of Debian bookworm's
// postgresql-15: the readiness probe really probes (pg_isready), data written with psql
// survives the pod's restart (the claim from the default StorageClass), and a rotation
// makes the old password fail over TCP and the new one work.
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
let apis: KubeApis;
const app = `ao-${randomUUID().slice(0, 8)}`;
const ns = appNamespace(app);

beforeAll(async () => {
  await ensureAddonImages(() => undefined);
  apis = createKubeApis(loadKubeConnection(kubeconfig));
  await installCrds(apis);
  await eventually(async () => (await createAppStore(apis).create(app, "alice")) !== undefined, "the App to be created", 30_000);
}, 600_000);
afterAll(async () => {
  if ((apis as KubeApis | undefined) === undefined) return; // beforeAll failed before connecting: its error is the report
  await createAppStore(apis).destroy(app).catch(() => undefined);
  for (const name of ["db", "cache", "maria"]) await apis.persistentVolumeClaims.delete(ns, addonNames.pvc(name)).catch(() => undefined);
  apis.rest.close();
});

/** Runs `command` in the add-on's pod; resolves exit code and output. */
async function exec(command: string[], stdin?: string, addon = "db", container = "postgres"): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  const session = await openRemoteCommand(
    apis.rest,
    `${apis.pods.path(ns)}/${addonNames.pod(addon)}/exec`,
    { command, container, stdin: stdin !== undefined, stdout: true, stderr: true },
    { stdin: stdin === undefined ? null : Readable.from([stdin]), stdout, stderr: stdout, tty: false },
  );
  const status = await session.done;
  return { code: status === undefined ? 1 : exitCodeFromStatus(status), out };
}

/** psql over TCP with a password, as an app connects. */
const psqlTcp = (password: string, sql: string) =>
  exec(["sh", "-c", 'PGPASSWORD="$1" psql -h 127.0.0.1 -U postgres -d postgres -tAc "$2"', "sh", password, sql]);

const passwordOf = async (addon = "db"): Promise<string> => {
  const s = await apis.secrets.read(ns, addonNames.object(addon));
  return Buffer.from(s.data?.password ?? "", "base64").toString();
};

describe("database add-ons on the real cluster", () => {
  it("becomes ready, keeps data across a restart and rotates its password", async () => {
    const addons = createAddonManager(apis, { images: { "postgres:15": localAddonImages.postgres }, readyTimeoutMs: 300_000 });
    const info = await addons.create(app, { name: "db", kind: "postgres", version: "15", size: "1Gi" });
    expect(info.image).toBe(localAddonImages.postgres);
    await addons.waitReady(app, "db");
    const pvc = await apis.persistentVolumeClaims.read(ns, addonNames.pvc("db"));
    expect(pvc.spec?.storageClassName).toBe("local-path");

    // The App CRD keeps the attachment (structural schema).
    await createAppStore(apis).update(app, (spec) => ({ ...spec, addons: [{ name: "db", owner: app, as: "DATABASE" }] }));
    expect((await createAppStore(apis).get(app)).spec.addons).toEqual([{ name: "db", owner: app, as: "DATABASE" }]);

    const old = await passwordOf();
    expect(await psqlTcp(old, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept');")).toMatchObject({ code: 0 });
    // addons:connect's path: psql in the pod, fed on stdin.
    const connectOut = new PassThrough();
    let connected = "";
    connectOut.on("data", (c: Buffer) => (connected += c.toString()));
    const code = await addons.connect(app, "db", { stdin: Readable.from(["SELECT v FROM t;\n"]), stdout: connectOut, stderr: connectOut }, new AbortController().signal);
    expect([code, connected]).toEqual([0, expect.stringContaining("kept")]);

    const before = (await apis.pods.read(ns, addonNames.pod("db"))).metadata?.uid;
    await apis.pods.delete(ns, addonNames.pod("db"));
    await eventually(async () => {
      const pod = await orUndefined(() => apis.pods.read(ns, addonNames.pod("db")));
      return pod?.metadata?.uid !== before && pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    }, "the restarted pod to be ready", 300_000);
    expect((await psqlTcp(old, "SELECT v FROM t")).out.trim()).toBe("kept");

    await addons.rotate(app, "db");
    const fresh = await passwordOf();
    expect(fresh).not.toBe(old);
    await eventually(async () => (await psqlTcp(fresh, "SELECT v FROM t")).out.trim() === "kept", "the new password to work", 120_000);
    const refused = await psqlTcp(old, "SELECT 1");
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain("password authentication failed");

    // Destroy without --purge keeps the volume.
    expect(await addons.destroy(app, "db", false)).toEqual({ volumeKept: addonNames.pvc("db") });
    expect(await orUndefined(() => apis.persistentVolumeClaims.read(ns, addonNames.pvc("db")))).toBeDefined();
  }, 900_000);

  it("runs redis: ready by redis-cli ping, data kept across a restart (AOF on the claim), rotation refuses the old password", async () => {
    const addons = createAddonManager(apis, { images: { "redis:7": localAddonImages.redis }, readyTimeoutMs: 300_000 });
    await addons.create(app, { name: "cache", kind: "redis", version: "7", size: "1Gi" });
    await addons.waitReady(app, "cache");
    const cli = (password: string, ...args: string[]) =>
      exec(["sh", "-c", 'REDISCLI_AUTH="$1"; export REDISCLI_AUTH; shift; exec redis-cli -h 127.0.0.1 "$@"', "sh", password, ...args], undefined, "cache", "redis");
    const old = await passwordOf("cache");
    expect((await cli(old, "SET", "k", "kept")).out.trim()).toBe("OK");
    const before = (await apis.pods.read(ns, addonNames.pod("cache"))).metadata?.uid;
    await apis.pods.delete(ns, addonNames.pod("cache"));
    await eventually(async () => {
      const pod = await orUndefined(() => apis.pods.read(ns, addonNames.pod("cache")));
      return pod?.metadata?.uid !== before && pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    }, "the restarted redis pod to be ready", 300_000);
    expect((await cli(old, "GET", "k")).out.trim()).toBe("kept");
    await addons.rotate(app, "cache");
    const fresh = await passwordOf("cache");
    expect((await cli(fresh, "GET", "k")).out.trim()).toBe("kept");
    expect((await cli(old, "GET", "k")).out).toMatch(/WRONGPASS|NOAUTH/);
    expect(await addons.url(app, "cache")).toBe(`redis://default:${fresh}@addon-cache.${ns}.svc:6379/0`);
  }, 900_000);

  it("runs mariadb: ready by mariadb-admin ping, a table kept across a restart, rotation refuses the old password", async () => {
    const addons = createAddonManager(apis, { images: { "mariadb:10.11": localAddonImages.mariadb }, readyTimeoutMs: 300_000 });
    await addons.create(app, { name: "maria", kind: "mariadb", version: "10.11", size: "1Gi" });
    await addons.waitReady(app, "maria");
    const sql = (password: string, query: string) =>
      exec(["sh", "-c", 'MYSQL_PWD="$1" exec mariadb -h 127.0.0.1 -uroot -N -e "$2" app', "sh", password, query], undefined, "maria", "mariadb");
    const old = await passwordOf("maria");
    expect(await sql(old, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept');")).toMatchObject({ code: 0 });
    const before = (await apis.pods.read(ns, addonNames.pod("maria"))).metadata?.uid;
    await apis.pods.delete(ns, addonNames.pod("maria"));
    await eventually(async () => {
      const pod = await orUndefined(() => apis.pods.read(ns, addonNames.pod("maria")));
      return pod?.metadata?.uid !== before && pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    }, "the restarted mariadb pod to be ready", 300_000);
    expect((await sql(old, "SELECT v FROM t")).out.trim()).toBe("kept");
    await addons.rotate(app, "maria");
    const fresh = await passwordOf("maria");
    expect((await sql(fresh, "SELECT v FROM t")).out.trim()).toBe("kept");
    const refused = await sql(old, "SELECT 1");
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain("Access denied");
  }, 900_000);
});
