import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { freePort } from "../../test/support/ports.ts";

// What dev mode keeps under .qs/ between runs: the ports it chose (so ~/.ssh/config and git
// remotes stay valid), the simulated cluster's objects, Redis, the registry and the repos.

/** Ports dev mode listens on; remembered in .qs/ports.json. */
export interface DevPorts {
  readonly http: number;
  readonly ssh: number;
  readonly buildContext: number;
  readonly redis: number;
  readonly registry: number;
}

/** The first choice of each port when none is remembered (0 = any free one). */
const PREFERRED: DevPorts = { http: 8080, ssh: 2222, buildContext: 0, redis: 0, registry: 0 };

/** Where the simulated cluster keeps its objects. */
export const kubeDoubleStateFile = (stateDir: string): string => join(stateDir, "kube-double.json");

const portsFile = (stateDir: string): string => join(stateDir, "ports.json");

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * The ports of the last run (else the preferred ones), each checked to be free; a taken one
 * is replaced by a free port and named in `moved`. The result is remembered for next time.
 */
export async function chooseDevPorts(stateDir: string): Promise<{ ports: DevPorts; moved: string[] }> {
  let remembered: Partial<DevPorts> = {};
  try {
    remembered = JSON.parse(readFileSync(portsFile(stateDir), "utf8")) as Partial<DevPorts>;
  } catch {
    // First run, or a file we cannot read: choose again.
  }
  const moved: string[] = [];
  const out: Record<string, number> = {};
  for (const name of Object.keys(PREFERRED) as (keyof DevPorts)[]) {
    const wanted = remembered[name] ?? PREFERRED[name];
    if (wanted !== 0 && (await isFree(wanted))) out[name] = wanted;
    else {
      out[name] = await freePort();
      if (remembered[name] !== undefined || PREFERRED[name] !== 0) moved.push(`${name} ${wanted} is taken: using ${out[name]}`);
    }
  }
  const ports = out as unknown as DevPorts;
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(portsFile(stateDir), `${JSON.stringify(ports, null, 2)}\n`);
  return { ports, moved };
}

/**
 * `--fresh`: removes the state of the last run (cluster objects, Redis, registry images,
 * git repositories) and returns what it removed. Kept: the remembered ports and the SSH host
 * key, so ~/.ssh/config and known_hosts stay right.
 */
export function removeDevState(stateDir: string): string[] {
  const removed: string[] = [];
  const remove = (path: string, what: string): void => {
    if (!existsSync(path)) return;
    rmSync(path, { recursive: true, force: true });
    removed.push(`${what} (${path})`);
  };
  remove(kubeDoubleStateFile(stateDir), "the simulated cluster's apps, releases, users, tokens and config");
  remove(join(stateDir, "redis"), "Redis data: build queue and status-page sessions");
  remove(join(stateDir, "registry"), "the registry's images");
  const data = join(stateDir, "data");
  if (existsSync(data)) {
    for (const entry of readdirSync(data)) {
      if (entry !== "ssh") remove(join(data, entry), entry === "repos" ? "git repositories" : `control-plane data ${entry}`);
    }
  }
  return removed;
}
