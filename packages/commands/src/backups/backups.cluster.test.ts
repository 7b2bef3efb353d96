import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { type Server, type Socket, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeployRequest, type QsError, type ReleaseManager, appNamespace, silentLogger } from "@qs/core";
import {
  type BackupManager,
  type CronJob,
  type KubeApis,
  type Reconciler,
  addonNames,
  createAddonManager,
  createAppStore,
  createBackupManager,
  createConfigStore,
  createKubeApis,
  createReconciler,
  createReleaseManager,
  ignoreNotFound,
  installCrds,
  loadKubeConnection,
  orUndefined,
} from "@qs/kube";
import { captureOutput, eventually } from "../../../../test/e2e/deploy/harness.ts";
import { imageName } from "../../../../test/cluster/src/images.ts";
import { net, toolDirs } from "../../../../test/cluster/src/layout.ts";
import { ensureResticImage } from "../../../../test/cluster/builders/restic.ts";
import { ensureAddonImages, localAddonImages } from "../../../../test/cluster/builders/addon-images.ts";
import type { CommandContext, CommandResult, CommandServices } from "../command.ts";
import { defaultRegistry } from "../commands.ts";

// Backups on the local real cluster (issue 18): restic Jobs in the app's namespace write to
// a real S3-compatible server (VersityGW, built from its Go module, on the node address so
// pods reach it, through a relay the test can cut), a deleted file and a deleted PostgreSQL
// row (pg_dump of the app's add-on) come back with backups:restore, a drill passes
// (checksums, row counts), the storage going away mid-backup fails that run and leaves the
// earlier backup intact, and a corrupted repository makes the drill fail with restic's reason.
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const busybox = imageName("library/busybox:1.35");
const never = new AbortController().signal;
// The first start writes the file once; a restarted pod must not write it again.
const web = '[ -e /data/.seeded ] || { echo "hello from the volume" > /data/note.txt; touch /data/.seeded; }; exec httpd -f -p $PORT -h /data';
const accessKey = `qsadmin${randomBytes(4).toString("hex")}`;
const secretKey = randomBytes(18).toString("base64url");

let apis: KubeApis;
let reconciler: Reconciler;
let releases: ReleaseManager;
let apps: ReturnType<typeof createAppStore>;
let addons: ReturnType<typeof createAddonManager>;
let services: CommandServices;
let backups: BackupManager;
let s3: ChildProcess | undefined;
let s3Root = "";
let s3Port = 0;
let relay: StorageRelay | undefined;
const created: string[] = [];

/**
 * The storage as pods reach it: a TCP relay to VersityGW that can go away mid-backup.
 * `cutAfter(n)` drops every connection once n more bytes came from clients and refuses new
 * ones until `heal()`.
 */
interface StorageRelay {
  readonly port: number;
  cutAfter(bytes: number): void;
  heal(): void;
  close(): Promise<void>;
}

async function startRelay(host: string, targetPort: number): Promise<StorageRelay> {
  const sockets = new Set<Socket>();
  let budget = Infinity;
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (chunk: Buffer) => {
      budget -= chunk.length;
      if (budget >= 0) {
        upstream.write(chunk);
        return;
      }
      down = true;
      for (const s of sockets) s.destroy();
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as { port: number }).port,
    cutAfter: (bytes) => {
      budget = bytes;
    },
    heal: () => {
      budget = Infinity;
      down = false;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const image = await ensureResticImage(() => undefined);
  await ensureAddonImages(() => undefined);
  s3Root = mkdtempSync(join(tmpdir(), "qs-s3-"));
  s3Port = await freePort(net.nodeIp);
  const bin = join(toolDirs(true).versitygw ?? "", "versitygw");
  s3 = spawn(bin, ["--port", `${net.nodeIp}:${s3Port}`, "--quiet", "posix", "--nometa", s3Root], {
    env: { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await eventually(async () => (await fetch(`http://${net.nodeIp}:${s3Port}/`).then((r) => r.status > 0, () => false)) || undefined, "VersityGW to listen", 15_000);
  relay = await startRelay(net.nodeIp, s3Port);

  apis = createKubeApis(loadKubeConnection(kubeconfig));
  await installCrds(apis);
  const render = { baseDomain: "qs.test", progressDeadlineSeconds: 60 };
  reconciler = createReconciler({ apis, logger: silentLogger, options: { resyncIntervalMs: 5_000, watchRestartDelayMs: 500, retryDelayMs: 500, render, owns: (a) => a.startsWith("bk-") } });
  await reconciler.start();
  apps = createAppStore(apis);
  addons = createAddonManager(apis, { images: { "postgres:15": localAddonImages.postgres }, readyTimeoutMs: 300_000 });
  releases = createReleaseManager({ apis, logger: silentLogger, options: { render, pollMs: 250, rolloutTimeoutMs: 120_000, releasePhaseTimeoutMs: 90_000 } });
  backups = createBackupManager({ apis, apps }, { image, pollMs: 500, timeoutMs: 180_000, storageTimeoutSeconds: 10 });
  // Only what the backups verbs call is wired: the app store and the backup service.
  services = { apps, config: createConfigStore(apis), releases, backups, baseDomain: "qs.test", limits: { maxScale: 5 } } as unknown as CommandServices;
}, 600_000);

afterAll(async () => {
  await Promise.allSettled(created.map((name) => apps.destroy(name)));
  // Add-on volumes are kept when their app goes (Retain): these are test data.
  await Promise.allSettled(created.map((name) => apis.persistentVolumeClaims.delete(appNamespace(name), addonNames.pvc("db"))));
  for (const name of ["qs-backup-target", "qs-backup-key"]) await ignoreNotFound(() => apis.secrets.delete("qs-system", name));
  await ignoreNotFound(() => apis.custom("v1", "serviceaccounts").delete("qs-system", "qs-backup"));
  await reconciler.close();
  apis.rest.close();
  await relay?.close();
  s3?.kill();
  rmSync(s3Root, { recursive: true, force: true });
});

/** Runs one verb as an admin, the way the dispatcher hands it its arguments. */
async function run(name: string, args: string[]): Promise<CommandResult> {
  const command = defaultRegistry().find(name);
  if (command === undefined) throw new Error(`no verb ${name}`);
  const ctx: CommandContext = {
    principal: { user: "admin", role: "admin" },
    args,
    json: false,
    io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() },
    signal: never,
    services,
    scope: {},
  };
  return command.run(ctx);
}

async function http(app: string, path: string): Promise<string> {
  const svc = (await apis.services.list(appNamespace(app), { labelSelector: "app.kubernetes.io/component=rendered" })).items[0];
  const ip = svc?.spec?.clusterIP;
  if (!ip) throw new Error("no Service");
  const res = await fetch(`http://${ip}${path}`, { signal: AbortSignal.timeout(3_000) });
  return res.ok ? res.text() : `HTTP ${res.status}`;
}

/** Runs `sh -c script` in the app's web pod (kubectl exec, as an operator would). */
function exec(app: string, script: string): string {
  const kubectl = join(toolDirs(true).kubernetes ?? "", "kubectl");
  return execFileSync(kubectl, ["--kubeconfig", kubeconfig, "-n", appNamespace(app), "exec", `deploy/${app}-web`, "--", "sh", "-c", script], { encoding: "utf8" });
}

/** Runs SQL in the app's postgres add-on (its local socket, as addons:connect does). */
function psql(app: string, sql: string): string {
  const kubectl = join(toolDirs(true).kubernetes ?? "", "kubectl");
  return execFileSync(kubectl, ["--kubeconfig", kubeconfig, "-n", appNamespace(app), "exec", addonNames.pod("db"), "--", "psql", "-h", "/tmp", "-U", "postgres", "-XAtc", sql], { encoding: "utf8" }).trim();
}

async function withDatabase(app: string): Promise<void> {
  await addons.create(app, { name: "db", kind: "postgres", version: "15", size: "64Mi" });
  await addons.waitReady(app, "db");
}

async function deployWithVolume(app: string): Promise<void> {
  created.push(app);
  await apps.create(app, "alice", { volumes: [{ name: "data", mountPath: "/data", size: "64Mi" }] });
  const request: DeployRequest = { app, image: busybox, gitSha: "abc1234abc1234", processes: { web }, author: "alice", description: "Deploy busybox" };
  await releases.deploy(request, captureOutput(), never);
}

const target = (): string[] => [`s3://qs-backups/${randomUUID().slice(0, 8)}`, "--endpoint", `http://${net.nodeIp}:${relay?.port ?? 0}`, "--access-key", accessKey];

describe("backups on the real cluster", () => {
  it("a deleted volume file and database row come back with backups:restore, --to restores beside, a drill passes, storage lost mid-backup fails only that run, a corrupted backup fails its drill", async () => {
    // A wrong key is refused by the connection test, and nothing is saved.
    const before = await orUndefined(() => apis.secrets.read("qs-system", "qs-backup-target"));
    const wrong = await run("backups:target-set", [...target(), "--secret-key", "not-the-key"]).catch((err: unknown) => err as QsError);
    expect((wrong as QsError).code).toBe("BACKUP_TARGET_UNREACHABLE");
    expect((wrong as QsError).message).not.toContain("not-the-key");
    const after = await orUndefined(() => apis.secrets.read("qs-system", "qs-backup-target"));
    expect(after?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);

    const set = await run("backups:target-set", [...target(), "--secret-key", secretKey]);
    expect(set.text).toContain("connection tested");
    expect(JSON.stringify(set)).not.toContain(secretKey);

    const app = `bk-${randomUUID().slice(0, 8)}`;
    await deployWithVolume(app);
    expect(await eventually(async () => ((await http(app, "/note.txt")).includes("hello from the volume") ? "ok" : undefined), "the app serving its volume file", 90_000)).toBe("ok");
    await withDatabase(app);
    psql(app, "CREATE TABLE notes (v text); INSERT INTO notes VALUES ('kept by pg_dump')");

    const schedule = await run("backups:schedule", [app, "daily 03:00", "--keep-daily", "7", "--keep-weekly", "4"]);
    expect(schedule.text).toContain('cron "0 3 * * *"');
    const cron = await apis.custom<CronJob>("batch/v1", "cronjobs").read(appNamespace(app), `${app}-backup`);
    expect(cron.spec?.concurrencyPolicy).toBe("Forbid");

    const made = await run("backups:create", [app]);
    expect(made.text, made.text).toContain("Backed up");
    const id = (made.json as { id: string }).id;
    const listed = await run("backups", [app]);
    expect(listed.text).toContain(id);
    expect(listed.text).toContain("succeeded");
    const record = (listed.json as { id: string; sizeBytes?: number; durationSeconds?: number }[]).find((r) => r.id === id);
    expect(record?.sizeBytes).toBeGreaterThan(0);
    expect(record?.durationSeconds).toBeGreaterThanOrEqual(0);
    // Credentials are in the Secret only: not in the Job's pod spec, not in any output.
    const job = await apis.jobs.read(appNamespace(app), id);
    for (const text of [JSON.stringify(job), made.text, listed.text, JSON.stringify(listed.json)]) {
      expect(text).not.toContain(secretKey);
      expect(text).not.toContain(accessKey);
    }

    exec(app, "rm /data/note.txt");
    psql(app, "DELETE FROM notes");
    expect(await http(app, "/note.txt")).toBe("HTTP 404");
    await run("backups:restore", [app, id]);
    expect(await http(app, "/note.txt")).toContain("hello from the volume");
    expect(psql(app, "SELECT v FROM notes")).toBe("kept by pg_dump");

    const copy = `bk-${randomUUID().slice(0, 8)}`;
    await deployWithVolume(copy);
    exec(copy, "rm /data/note.txt && echo copy-only > /data/mine.txt");
    // The backup holds a database: a target app without that add-on is refused, untouched.
    const refused = await run("backups:restore", [app, id, "--to", copy]).catch((err: unknown) => err as QsError);
    expect((refused as QsError).code).toBe("RESTORE_ADDON_MISSING");
    expect((refused as QsError).hint).toContain(`addons:create ${copy} postgres --name db`);
    expect(await http(copy, "/note.txt")).toBe("HTTP 404");
    await withDatabase(copy);
    const beside = await run("backups:restore", [app, id, "--to", copy]);
    expect(beside.text).toContain("untouched");
    expect(await http(copy, "/note.txt")).toContain("hello from the volume");
    expect(await http(copy, "/mine.txt")).toContain("copy-only");
    expect(await http(app, "/mine.txt")).toBe("HTTP 404");
    expect(psql(copy, "SELECT v FROM notes")).toBe("kept by pg_dump");

    const drill = await run("backups:drill", [app]);
    expect(drill.text, drill.text).toContain("Drill passed");
    // note.txt and .seeded, and the postgres database's dump and its row counts.
    expect((drill.json as { files: number }).files).toBe(4);
    expect((drill.json as { databases: unknown[] }).databases).toEqual([{ addon: "db", kind: "postgres", tables: 1, rows: 1 }]);
    expect(drill.text).toContain("postgres db: 1 table(s), 1 row(s)");
    const drilled = (await run("backups", [app])).text;
    expect(drilled).toMatch(/ok 20\d\d-/);
    const scratch = (await apis.namespaces.list()).items.filter((n) => n.metadata?.name?.startsWith(`qs-app-drill-${app}`) && n.status?.phase === "Active");
    expect(scratch).toEqual([]);

    // The storage going away mid-backup: the run fails saying so, is listed as failed
    // without a snapshot, the app's backups show as failed, and the earlier backup is intact.
    exec(app, "head -c 8000000 /dev/urandom > /data/big.bin");
    relay?.cutAfter(1_000_000);
    const cut = await run("backups:create", [app]).finally(() => relay?.heal());
    expect(cut.exitCode, cut.text).toBe(1);
    expect(cut.text).toContain("the backup storage stopped answering");
    const cutId = (cut.json as { id: string }).id;
    const runs = (await run("backups", [app])).json as { id: string; status: string; snapshot?: string }[];
    expect(runs.find((r) => r.id === cutId)).toMatchObject({ status: "failed" });
    expect(runs.find((r) => r.id === cutId)?.snapshot).toBeUndefined();
    expect(runs.filter((r) => r.status === "succeeded").map((r) => r.id)).toEqual([id]);
    const health = await services.backups?.health(app);
    expect(health?.status).toBe("failed");
    expect(health?.finding).toContain(cutId);
    const intact = await run("backups:drill", [app]);
    expect(intact.text, intact.text).toContain(`Drill passed: backup ${id} `);

    // The installation key is needed: with another one the drill fails and says so.
    const key = await apis.secrets.read("qs-system", "qs-backup-key");
    await apis.secrets.replace("qs-system", "qs-backup-key", { ...key, data: { password: Buffer.from("not-the-key").toString("base64") } });
    const locked = await run("backups:drill", [app]);
    const current = await apis.secrets.read("qs-system", "qs-backup-key");
    await apis.secrets.replace("qs-system", "qs-backup-key", { ...current, data: key.data ?? {} });
    expect(locked.exitCode).toBe(1);
    expect(locked.text).toMatch(/wrong password/);
    expect(locked.text).not.toContain(Buffer.from(key.data?.password ?? "", "base64").toString());

    // A run of the schedule (made now from its CronJob, as `kubectl create job --from` does,
    // named by its minute as the CronJob controller names runs) is drilled by the control
    // plane's sweep at once, since the last drill (just above) failed; it shows beside it.
    // The cut run above left a lock in the repository (restic counts another pod's lock
    // stale only after 30 minutes): the scheduled run saves its snapshot and puts its prune off.
    expect((await run("backups:schedule", [app, "daily 03:00", "--keep-daily", "7"])).text).toContain("drilled weekly");
    const scheduledId = `${app}-backup-${Math.floor(Date.now() / 60_000)}`;
    execFileSync(join(toolDirs(true).kubernetes ?? "", "kubectl"), ["--kubeconfig", kubeconfig, "-n", appNamespace(app), "create", "job", scheduledId, `--from=cronjob/${app}-backup`]);
    const scheduledRun = await eventually(async () => (await backups.list(app)).find((r) => r.id === scheduledId && r.status !== "running"), "the scheduled run to finish", 300_000);
    expect(scheduledRun, scheduledRun.reason).toMatchObject({ status: "succeeded", scheduled: true });
    expect(scheduledRun.pruneSkipped).toMatch(/locked/);
    expect((await run("backups", [app])).text).toMatch(new RegExp(`${scheduledId} \\(scheduled\\).*succeeded \\(prune put off\\)`));
    expect(await backups.runDueDrills(never, (a) => a === app)).toEqual([{ app, backup: scheduledId, ok: true }]);
    expect((await run("backups", [app])).text).toMatch(new RegExp(`${scheduledId} \\(scheduled\\).*ok 20\\d\\d-`));
    expect((await backups.health(app)).status).toBe("ok");
    // Drilled once: the next sweep finds nothing due (weekly).
    expect(await backups.runDueDrills(never, (a) => a === app)).toEqual([]);

    // Corrupt every data pack of the app's repository: the drill must fail and say why.
    const packs: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (dir.includes(`/${app}/data`)) packs.push(path);
      }
    };
    walk(s3Root);
    expect(packs.length).toBeGreaterThan(0);
    for (const pack of packs) writeFileSync(pack, randomBytes(statSync(pack).size));
    const failed = await run("backups:drill", [app]);
    expect(failed.exitCode).toBe(1);
    expect(failed.text).toContain("Drill FAILED");
    expect((failed.json as { reason?: string }).reason ?? "").not.toBe("");
  }, 900_000);
});
