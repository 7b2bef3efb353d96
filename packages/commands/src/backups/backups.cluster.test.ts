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
import { net, toolDirs } from "../../../../test/cluster/src/layout.ts";
import { ensureResticImage } from "../../../../test/cluster/builders/restic.ts";
import { ensureNotesAppImage, notesAppWeb } from "../../../../test/cluster/builders/notes-app.ts";
import { ensureAddonImages, localAddonImages } from "../../../../test/cluster/builders/addon-images.ts";
import type { CommandContext, CommandResult, CommandServices } from "../command.ts";
import { defaultRegistry } from "../commands.ts";

// Backups on the local real cluster (issue 18): restic Jobs in the app's namespace write to
// a real S3-compatible server (VersityGW, built from its Go module, on the node address so
// pods reach it, through a relay the test can cut). The app (test/cluster/builders/notes-app.ts)
// serves its volume and writes and reads a PostgreSQL row over its DATABASE_URL; its
// pre-backup hook writes a marker into its volume. A deleted file and a deleted row come back
// with backups:restore (pg_dump of the app's add-on) and the app reads them back, the marker
// proves the hook ran before the volume was read, a failing hook fails its run, a drill
// passes (checksums, row counts), the storage going away mid-backup fails that run and leaves
// the earlier backup intact, and a corrupted repository makes the drill fail with restic's reason.
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
let appImage = "";
const never = new AbortController().signal;
// The first start writes the file once; a restarted pod must not write it again.
const web = `[ -e /data/.seeded ] || { echo "hello from the volume" > /data/note.txt; touch /data/.seeded; }; ${notesAppWeb}`;
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
  appImage = await ensureNotesAppImage(() => undefined);
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
  // Only what the backups and addons:create verbs call is wired.
  services = { apps, config: createConfigStore(apis), releases, backups, addons, baseDomain: "qs.test", limits: { maxScale: 5 } } as unknown as CommandServices;
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

/** GET `path` from the app's Service: the body, or `HTTP <status>`. 10 s: a loaded node can make psql slow to connect. */
async function http(app: string, path: string): Promise<string> {
  const svc = (await apis.services.list(appNamespace(app), { labelSelector: "app.kubernetes.io/component=rendered" })).items[0];
  const ip = svc?.spec?.clusterIP;
  if (!ip) throw new Error("no Service");
  const res = await fetch(`http://${ip}${path}`, { signal: AbortSignal.timeout(10_000) });
  return res.ok ? res.text() : `HTTP ${res.status}`;
}

/** Runs `sh -c script` in the app's web pod (kubectl exec, as an operator would). */
function exec(app: string, script: string): string {
  const kubectl = join(toolDirs(true).kubernetes ?? "", "kubectl");
  return execFileSync(kubectl, ["--kubeconfig", kubeconfig, "-n", appNamespace(app), "exec", `deploy/${app}-web`, "--", "sh", "-c", script], { encoding: "utf8" });
}

/** The app's postgres add-on `db`, its URL set as DATABASE_URL (before the first deploy, or with a release after). */
async function withDatabase(app: string): Promise<void> {
  const made = await run("addons:create", [app, "postgres", "--name", "db", "--version", "15", "--size", "64Mi"]);
  expect(made.json, made.text).toMatchObject({ var: "DATABASE_URL" });
}

async function createWithVolume(app: string): Promise<void> {
  created.push(app);
  await apps.create(app, "alice", { volumes: [{ name: "data", mountPath: "/data", size: "64Mi" }] });
}

async function deploy(app: string): Promise<void> {
  const request: DeployRequest = { app, image: appImage, gitSha: "abc1234abc1234", processes: { web }, author: "alice", description: "Deploy the notes app" };
  await releases.deploy(request, captureOutput(), never);
}

const target = (): string[] => [`s3://qs-backups/${randomUUID().slice(0, 8)}`, "--endpoint", `http://${net.nodeIp}:${relay?.port ?? 0}`, "--access-key", accessKey];

describe("backups on the real cluster", () => {
  it("a volume file and a database row the app wrote come back with backups:restore and the app reads them, its pre-backup hook runs first (a failing one fails the run), --to restores beside, a drill passes, storage lost mid-backup fails only that run, a corrupted backup fails its drill", async () => {
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
    await createWithVolume(app);
    // DATABASE_URL is set before the first deploy: the first release has it.
    await withDatabase(app);
    await deploy(app);
    expect(await eventually(async () => ((await http(app, "/data/note.txt")).includes("hello from the volume") ? "ok" : undefined), "the app serving its volume file", 90_000)).toBe("ok");
    // The app writes the row itself, over its DATABASE_URL.
    expect(await http(app, "/cgi-bin/row-write")).not.toMatch(/^HTTP /);
    expect(await http(app, "/cgi-bin/row-read")).toBe("kept by pg_dump\n");

    const schedule = await run("backups:schedule", [app, "daily 03:00", "--keep-daily", "7", "--keep-weekly", "4"]);
    expect(schedule.text).toContain('cron "0 3 * * *"');
    const cronJobs = apis.custom<CronJob>("batch/v1", "cronjobs");
    const cron = await cronJobs.read(appNamespace(app), `${app}-backup`);
    expect(cron.spec?.concurrencyPolicy).toBe("Forbid");
    // The pre-backup hook: declared after the schedule, it is rendered into the CronJob too.
    const hooked = await run("backups:hook", [app, "/cgi-bin/pre-backup", "--timeout", "20s"]);
    expect(hooked.text).toContain("the schedule was updated");
    const hookedCron = await cronJobs.read(appNamespace(app), `${app}-backup`);
    expect(hookedCron.spec?.jobTemplate.spec.template.spec?.initContainers?.[0]?.name).toBe("pre-backup-hook");
    expect((await run("backups", [app])).text).toContain("pre-backup hook: GET /cgi-bin/pre-backup on the web Service (timeout 20 s)");

    const made = await run("backups:create", [app]);
    expect(made.text, made.text).toContain("Backed up");
    const id = (made.json as { id: string }).id;
    // The hook was called once, before the volume was read (the marker is in the backup: below).
    expect(await http(app, "/data/hook-calls.txt")).toBe("called\n");
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

    exec(app, "rm /data/note.txt /data/hook-calls.txt");
    expect(await http(app, "/cgi-bin/row-delete")).not.toMatch(/^HTTP /);
    expect(await http(app, "/cgi-bin/row-read")).toBe("(no rows)\n");
    expect(await http(app, "/data/note.txt")).toBe("HTTP 404");
    await run("backups:restore", [app, id]);
    expect(await http(app, "/data/note.txt")).toContain("hello from the volume");
    expect(await http(app, "/data/hook-calls.txt")).toBe("called\n");
    // The app reads its row back over its DATABASE_URL.
    expect(await http(app, "/cgi-bin/row-read")).toBe("kept by pg_dump\n");

    const copy = `bk-${randomUUID().slice(0, 8)}`;
    await createWithVolume(copy);
    // The backup holds a database: a target app without that add-on is refused before any Job is made.
    const refused = await run("backups:restore", [app, id, "--to", copy]).catch((err: unknown) => err as QsError);
    expect((refused as QsError).code).toBe("RESTORE_ADDON_MISSING");
    expect((refused as QsError).hint).toContain(`addons:create ${copy} postgres --name db`);
    expect((await apis.jobs.list(appNamespace(copy))).items).toEqual([]);
    // With the add-on made before its first deploy, the copy's first release has DATABASE_URL.
    await withDatabase(copy);
    await deploy(copy);
    await eventually(async () => ((await http(copy, "/data/note.txt")).includes("hello from the volume") ? "ok" : undefined), "the copy serving its volume file", 90_000);
    exec(copy, "rm /data/note.txt && echo copy-only > /data/mine.txt");
    // No table yet: the app's read fails.
    expect(await http(copy, "/cgi-bin/row-read")).toBe("HTTP 500");
    const beside = await run("backups:restore", [app, id, "--to", copy]);
    expect(beside.text).toContain("untouched");
    expect(await http(copy, "/data/note.txt")).toContain("hello from the volume");
    expect(await http(copy, "/data/mine.txt")).toContain("copy-only");
    expect(await http(app, "/data/mine.txt")).toBe("HTTP 404");
    expect(await http(copy, "/cgi-bin/row-read")).toBe("kept by pg_dump\n");

    const drill = await run("backups:drill", [app]);
    expect(drill.text, drill.text).toContain("Drill passed");
    // note.txt, .seeded and the hook's hook-calls.txt, and the postgres database's dump and its row counts.
    expect((drill.json as { files: number }).files).toBe(5);
    expect((drill.json as { databases: unknown[] }).databases).toEqual([{ addon: "db", kind: "postgres", tables: 1, rows: 1 }]);
    expect(drill.text).toContain("postgres db: 1 table(s), 1 row(s)");
    const drilled = (await run("backups", [app])).text;
    expect(drilled).toMatch(/ok 20\d\d-/);
    const scratch = (await apis.namespaces.list()).items.filter((n) => n.metadata?.name?.startsWith(`qs-app-drill-${app}`) && n.status?.phase === "Active");
    expect(scratch).toEqual([]);

    // A hook that does not answer 2xx fails the run before anything is read, saying why.
    await run("backups:hook", [app, "/cgi-bin/busy", "--timeout", "10s"]);
    const refusedByApp = await run("backups:create", [app]);
    expect(refusedByApp.exitCode, refusedByApp.text).toBe(1);
    expect(refusedByApp.text).toContain("the pre-backup hook GET /cgi-bin/busy answered 503 Service Unavailable; nothing was backed up (earlier backups are untouched)");
    expect((refusedByApp.json as { snapshot?: string }).snapshot).toBeUndefined();
    await run("backups:hook", [app, "/cgi-bin/pre-backup", "--timeout", "20s"]);

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
    const calls = (await http(app, "/data/hook-calls.txt")).split("\n").length;
    const scheduledId = `${app}-backup-${Math.floor(Date.now() / 60_000)}`;
    execFileSync(join(toolDirs(true).kubernetes ?? "", "kubectl"), ["--kubeconfig", kubeconfig, "-n", appNamespace(app), "create", "job", scheduledId, `--from=cronjob/${app}-backup`]);
    const scheduledRun = await eventually(async () => (await backups.list(app)).find((r) => r.id === scheduledId && r.status !== "running"), "the scheduled run to finish", 300_000);
    expect(scheduledRun, scheduledRun.reason).toMatchObject({ status: "succeeded", scheduled: true });
    expect(scheduledRun.pruneSkipped).toMatch(/locked/);
    // The schedule's run, which runs without the control plane, called the hook too.
    expect((await http(app, "/data/hook-calls.txt")).split("\n").length).toBe(calls + 1);
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
