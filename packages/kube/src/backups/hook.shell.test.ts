import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../../test/support/tmp.ts";
import { buildBackupCronJob } from "./backup-cronjob.ts";
import { buildBackupJob, buildResticJob } from "./backup-job.ts";
import { HOOK_CONTAINER, hookScript } from "./hook.ts";

// The pre-backup hook (issue 18): the first step of every backup pod, as the Job and the
// CronJob render it, and its script run by sh with this machine's busybox wget against a
// real HTTP server: a 2xx lets the run go on; a 503, no answer in time, or nothing listening
// stops it with a reason that says nothing was backed up.

const image = "registry.example/backups/restic:0.18.0@sha256:abc";
const volumes = [{ name: "data", claim: "shop-vol-data" }];
const db = { name: "db", kind: "postgres" as const, image: "registry.example/postgres:15", owner: "shop" };
const hook = { app: "shop", path: "/internal/pre-backup?mode=flush", timeoutSeconds: 45 };

describe("the hook step in backup pods", () => {
  it("comes first, before the dumps and restic, and calls the app's web Service with no credentials, as nobody", () => {
    const pod = buildBackupJob("qs-app-shop", "b", { app: "shop", image, volumes, retention: {}, addons: [db], hook }).spec?.template.spec;
    expect(pod?.initContainers?.map((c) => c.name)).toEqual([HOOK_CONTAINER, "dump-db"]);
    expect(pod?.containers.map((c) => c.name)).toEqual(["restic"]);
    const step = pod?.initContainers?.[0];
    expect(step?.image).toBe(image);
    expect(step?.env).toEqual([
      { name: "QS_HOOK_URL", value: "http://shop-web/internal/pre-backup?mode=flush" },
      { name: "QS_HOOK_PATH", value: "/internal/pre-backup?mode=flush" },
      { name: "QS_HOOK_TIMEOUT", value: "45" },
    ]);
    // The path is a value in the environment, never part of the script.
    expect(step?.command?.[2]).not.toContain("pre-backup?");
    expect(step?.envFrom).toBeUndefined();
    expect(step?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(step?.securityContext?.capabilities?.add).toBeUndefined();
    expect(step?.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod?.automountServiceAccountToken).toBe(false);
  });

  it("is in the CronJob's runs too (they run without the control plane), and absent without a hook", () => {
    const cron = buildBackupCronJob("qs-app-shop", { app: "shop", image, cron: "0 3 * * *", retention: {}, volumes, hook });
    const pod = cron.spec?.jobTemplate.spec.template.spec;
    expect(pod?.initContainers?.map((c) => c.name)).toEqual([HOOK_CONTAINER]);
    expect(pod?.initContainers?.[0]?.env?.[0]?.value).toBe("http://shop-web/internal/pre-backup?mode=flush");
    const plain = buildBackupCronJob("qs-app-shop", { app: "shop", image, cron: "0 3 * * *", retention: {}, volumes }).spec?.jobTemplate.spec.template.spec;
    expect(plain?.initContainers).toBeUndefined();
    expect(buildBackupJob("ns", "b", { app: "shop", image, volumes, retention: {} }).spec?.template.spec?.initContainers).toBeUndefined();
  });

  it("restores, drills and checks never call it, even when handed one", () => {
    const specs = (["restore", "drill", "check"] as const).map((kind) => buildResticJob("ns", "r", { app: "shop", image, kind, script: "true", backupId: "b", volumes, hook }).spec?.template.spec);
    expect(JSON.stringify(specs)).not.toContain(HOOK_CONTAINER);
  });
});

describe("the hook script", () => {
  let server: Server;
  let port = 0;
  let dir: { path: string; remove: () => Promise<void> };
  const calls: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls.push(req.url ?? "");
      if (req.url?.startsWith("/ready") === true) res.writeHead(204).end();
      else if (req.url?.startsWith("/slow") === true) setTimeout(() => res.writeHead(200).end("late"), 4_000);
      else res.writeHead(503, "Service Unavailable").end("flushing");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(async () => {
    dir = await tempDir("qs-hook-");
    calls.length = 0;
  });
  afterEach(async () => {
    await dir.remove();
  });

  /** Runs the script with its pod paths (/tmp, /dev/termination-log) under the temporary folder. */
  // Not spawnSync: the server answering the script lives in this process.
  async function run(path: string, url = `http://127.0.0.1:${port}${path}`, timeout = 2): Promise<{ status: number | null; message: string; seconds: number }> {
    const log = join(dir.path, "termination-log");
    writeFileSync(log, "");
    const script = hookScript().replaceAll("/tmp/", `${dir.path}/`).replaceAll("/dev/termination-log", log);
    const t0 = Date.now();
    const child = spawn("sh", ["-c", script], { env: { PATH: process.env.PATH ?? "", QS_HOOK_URL: url, QS_HOOK_PATH: path, QS_HOOK_TIMEOUT: String(timeout) }, stdio: "ignore" });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { status, message: readFileSync(log, "utf8").trim(), seconds: (Date.now() - t0) / 1000 };
  }

  it("goes on after a 2xx", async () => {
    const r = await run("/ready?x=1");
    expect(r.status).toBe(0);
    expect(r.message).toBe("");
    expect(calls).toEqual(["/ready?x=1"]);
  });

  it("fails on any other answer, naming the path and the status", async () => {
    const r = await run("/pre-backup");
    expect(r.status).toBe(1);
    expect(r.message).toBe("the pre-backup hook GET /pre-backup answered 503 Service Unavailable; nothing was backed up (earlier backups are untouched)");
  });

  it("fails when no answer comes within the timeout, without waiting for it", async () => {
    const r = await run("/slow", undefined, 1);
    expect(r.status).toBe(1);
    expect(r.message).toBe("the pre-backup hook GET /slow gave no answer within 1 s; nothing was backed up (earlier backups are untouched)");
    expect(r.seconds).toBeLessThan(3.5);
  });

  it("fails when nothing listens, with wget's words", async () => {
    const r = await run("/x", "http://127.0.0.1:1/x");
    expect(r.status).toBe(1);
    expect(r.message).toMatch(/^the pre-backup hook GET \/x could not be called \(wget: .*refused\); nothing was backed up/);
  });
});
