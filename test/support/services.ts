import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePort, waitForPort } from "./ports.ts";
import { startService, type Service } from "./processes.ts";

export interface RunningRedis extends Service {
  readonly url: string;
  readonly port: number;
}

/** Starts a real redis-server on a free loopback port (or `port`) with its data under `dir`. */
export async function startRedis(
  dir: string,
  options: { appendOnly?: boolean; ownProcessGroup?: boolean; port?: number } = {},
): Promise<RunningRedis> {
  await mkdir(dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const service = startService("redis-server", "redis-server", [
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    options.appendOnly ? "yes" : "no",
    "--protected-mode",
    "yes",
  ], { ownProcessGroup: options.ownProcessGroup ?? false });
  try {
    await waitForPort(port);
  } catch (err) {
    await service.stop();
    throw new Error(`redis-server did not start: ${service.output()}`, { cause: err });
  }
  return Object.assign(service, { url: `redis://127.0.0.1:${port}`, port });
}

export interface RunningRegistry extends Service {
  readonly url: string;
  readonly port: number;
}

/** Starts Debian's docker-registry (distribution v2) on a free loopback port (or `port`), storage under `dir`. */
export async function startRegistry(
  dir: string,
  options: { htpasswdFile?: string; ownProcessGroup?: boolean; port?: number } = {},
): Promise<RunningRegistry> {
  await mkdir(join(dir, "data"), { recursive: true });
  const port = options.port ?? (await freePort());
  const auth = options.htpasswdFile
    ? `auth:\n  htpasswd:\n    realm: quickstack\n    path: ${options.htpasswdFile}\n`
    : "";
  const configPath = join(dir, "config.yml");
  await writeFile(
    configPath,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      auth,
    ].join("\n"),
  );
  const service = startService("docker-registry", "docker-registry", ["serve", configPath], {
    ownProcessGroup: options.ownProcessGroup ?? false,
  });
  try {
    await waitForPort(port);
  } catch (err) {
    await service.stop();
    throw new Error(`docker-registry did not start: ${service.output()}`, { cause: err });
  }
  return Object.assign(service, { url: `http://127.0.0.1:${port}`, port });
}
