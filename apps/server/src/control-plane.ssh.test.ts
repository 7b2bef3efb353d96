import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@qs/config";
import { silentLogger } from "@qs/core";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import { tempDir } from "../../../test/support/tmp.ts";
import { generateClientKey, sshExec, type ClientKey } from "../../../test/support/ssh.ts";

const redisUrl = process.env.QS_TEST_REDIS_URL!;
const main = join(import.meta.dirname, "main.ts");

describe("control plane process", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plane: ControlPlane;
  let admin: ClientKey;
  let stranger: ClientKey;

  beforeAll(async () => {
    dir = await tempDir();
    admin = await generateClientKey(dir.path, "ed25519", "admin");
    stranger = await generateClientKey(dir.path, "ed25519", "stranger");
    const config = loadConfig({
      QS_DATA_DIR: join(dir.path, "data"),
      QS_HTTP_HOST: "127.0.0.1",
      QS_HTTP_PORT: "0",
      QS_SSH_HOST: "127.0.0.1",
      QS_SSH_PORT: "0",
      QS_REDIS_URL: redisUrl,
      QS_ADMIN_SSH_KEY: admin.publicKey,
      QS_LOG_LEVEL: "silent",
    });
    plane = await startControlPlane(config, silentLogger);
  });

  afterAll(async () => {
    await plane.close();
    await dir.remove();
  });

  it("answers /healthz and names what is not ready on /readyz", async () => {
    const health = await fetch(`http://127.0.0.1:${plane.httpPort}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${plane.httpPort}/readyz`);
    expect(ready.status).toBe(503);
    const body = await ready.text();
    expect(body).toContain("redis: ok");
    expect(body).toMatch(/kubernetes: not ready — no cluster configured/);
  });

  it("accepts the admin's key over real OpenSSH and refuses others", async () => {
    const ok = await sshExec(plane.sshPort, admin, "version");
    expect(ok).toMatchObject({ code: 0, stdout: "quickstack 0.1.0\n" });
    const refused = await sshExec(plane.sshPort, stranger, "version");
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it("exits 2 naming a wrong QS_ variable", async () => {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, QS_HTTP_PORT: "eighty" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const [code] = (await once(child, "exit")) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('QS_HTTP_PORT="eighty": expected a whole number');
  });

  it("stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        QS_DATA_DIR: join(dir.path, "data2"),
        QS_HTTP_HOST: "127.0.0.1",
        QS_HTTP_PORT: "0",
        QS_SSH_HOST: "127.0.0.1",
        QS_SSH_PORT: "0",
        QS_REDIS_URL: redisUrl,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    await expect.poll(() => out, { timeout: 10_000 }).toContain("control plane listening");
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number];
    expect(code).toBe(0);
    expect(out).toContain("shutting down");
  });
});
