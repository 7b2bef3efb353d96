// SSH command round trip: median wall time of `ssh qs apps:list` (OpenSSH client → ssh2
// server → command layer → kube AppStore on the Kubernetes API double holding 20 apps,
// key checked by the users store there) versus the floor, `ssh localhost true` against
// OpenSSH's sshd on loopback. Both use a fresh connection per call and the same key
// exchange (curve25519-sha256), so the ratio measures our server and command path.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { silentLogger } from "@qs/core";
import { createCommandExecHandler, type CommandServices } from "@qs/commands";
import {
  createAppStore,
  createAuditLog,
  createConfigStore,
  createKubeApis,
  createReleaseManager,
  createUserStore,
  installCrds,
  loadKubeConnection,
} from "@qs/kube";
import { createSshServer, loadOrCreateHostKey } from "@qs/ssh";
import { startKubeDouble } from "../../test/kube-double/src/index.ts";
import { startOpenSshd } from "../../test/support/sshd.ts";
import { generateClientKey, sshOptions, type ClientKey } from "../../test/support/ssh.ts";
import { tempDir } from "../../test/support/tmp.ts";

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const APPS = 20;

const tmp = await tempDir("qs-bench-rt-");
try {
  const key = await generateClientKey(tmp.path, "ed25519", "bench");
  const quickstack = await timeQuickStack(tmp.path, key);
  const floor = await timeOpenSsh(tmp.path, key);
  const q = median(quickstack);
  const f = median(floor);
  console.log(`SSH command round trip, fresh connection each, median of ${RUNS.toString()}:`);
  console.log(`  ssh qs apps:list (${APPS.toString()} apps, API double)  ${ms(q)}`);
  console.log(`  ssh localhost true (OpenSSH sshd, floor)  ${ms(f)}`);
  console.log(`  ratio ${(q / f).toFixed(2)} (target ≤ 1.50)`);
} finally {
  await tmp.remove();
}

async function timeQuickStack(dir: string, key: ClientKey): Promise<number[]> {
  const double = await startKubeDouble();
  try {
    const apis = createKubeApis(loadKubeConnection(double.kubeconfigPath));
    await installCrds(apis);
    await apis.namespaces.create({ metadata: { name: "qs-system" } });
    const users = createUserStore({ apis });
    await users.ensureFirstAdmin(key.publicKey);
    const apps = createAppStore(apis);
    for (let i = 0; i < APPS; i++) await apps.create(`bench-${i.toString()}`, "admin");
    const services: CommandServices = {
      apps,
      config: createConfigStore(apis),
      releases: createReleaseManager({ apis, logger: silentLogger }),
      access: users,
      repos: { createEmpty: () => Promise.resolve({}), remove: () => Promise.resolve() },
      audit: createAuditLog({ apis }),
      baseDomain: "qs.test",
      limits: { maxScale: 50 },
    };
    const server = await createSshServer(
      {
        hostKey: await loadOrCreateHostKey(join(dir, "qs_host_key")),
        logger: silentLogger,
        authenticate: (_user, offered) => users.authenticateKey(offered),
        onExec: createCommandExecHandler(services),
      },
      "127.0.0.1",
      0,
    );
    try {
      return await timeCommand(() => sshCall(server.port, key, "git", "apps:list"), (out) => out.includes("bench-19"));
    } finally {
      await server.close(0);
    }
  } finally {
    await double.close();
  }
}

async function timeOpenSsh(dir: string, key: ClientKey): Promise<number[]> {
  const sshd = await startOpenSshd(join(dir, "sshd"), key.publicKey);
  const { port, user } = sshd;
  try {
    return await timeCommand(() => sshCall(port, key, user, "true"), () => true);
  } finally {
    await sshd.stop();
  }
}

/** One warm-up call, then RUNS timed calls; each must exit 0 and pass `check`. */
async function timeCommand(call: () => Promise<string>, check: (out: string) => boolean): Promise<number[]> {
  await call();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const out = await call();
    times.push(performance.now() - started);
    if (!check(out)) throw new Error(`unexpected output: ${out.slice(0, 200)}`);
  }
  return times;
}

async function sshCall(port: number, key: ClientKey, user: string, command: string): Promise<string> {
  const args = [...sshOptions(port, key), "-o", "KexAlgorithms=curve25519-sha256", "-T", `${user}@127.0.0.1`, command];
  const { stdout } = await run("ssh", args);
  return stdout;
}


function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function ms(x: number): string {
  return `${Math.round(x).toString()} ms`;
}
