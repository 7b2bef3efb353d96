// Dev mode (`npm run dev`): a real redis-server and docker-registry under .qs/, the
// control plane, and — without KUBECONFIG — the Kubernetes API double, announced loudly.
// Ctrl-C stops everything this script started.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { startKubeDouble, type KubeDouble } from "../test/kube-double/src/index.ts";
import { simulateBuilders } from "../test/support/simulated-builders.ts";
import { prepareCluster } from "../test/support/quickstack-cluster.ts";
import { startRedis, startRegistry } from "../test/support/services.ts";
import { freePort } from "../test/support/ports.ts";

const root = join(import.meta.dirname, "..");
const stateDir = join(root, ".qs");

async function portOr(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(preferred, "127.0.0.1", () => s.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

function developerKey(): string | undefined {
  const sshDir = join(homedir(), ".ssh");
  if (!existsSync(sshDir)) return undefined;
  const file = readdirSync(sshDir)
    .filter((f) => /^id_[a-z0-9_]+\.pub$/.test(f))
    .sort()[0];
  return file === undefined ? undefined : readFileSync(join(sshDir, file), "utf8").trim();
}

const redis = await startRedis(join(stateDir, "redis"), { appendOnly: true });
const registry = await startRegistry(join(stateDir, "registry"));
const httpPort = await portOr(8080);
const sshPort = await portOr(2222);
const adminKey = developerKey();
let double: KubeDouble | undefined;
let kubeconfig = process.env.KUBECONFIG;

const banner = (lines: string[]): void => {
  const width = Math.max(...lines.map((l) => l.length));
  console.log(
    `\n${"#".repeat(width + 4)}\n${lines.map((l) => `# ${l.padEnd(width)} #`).join("\n")}\n${"#".repeat(width + 4)}\n`,
  );
};
if (kubeconfig === undefined) {
  double = await startKubeDouble({ nodes: 2, timings: { secondsScale: 0.2 } });
  kubeconfig = join(stateDir, "kubeconfig");
  writeFileSync(kubeconfig, double.kubeconfigYaml, { mode: 0o600 });
  await prepareCluster(kubeconfig);
  simulateBuilders(double, registry.url);
  banner([
    "THE CLUSTER IS SIMULATED: no KUBECONFIG was given, so this runs against the",
    "Kubernetes API double (test/kube-double). Builds and app containers are played",
    "by it (no real images run); its state lives in memory and is gone on Ctrl-C.",
    `kubectl works against it: KUBECONFIG=${kubeconfig} kubectl get apps -A`,
    "For a real cluster: KUBECONFIG=/etc/rancher/k3s/k3s.yaml npm run dev",
  ]);
} else {
  console.log(`-----> Using the cluster in ${kubeconfig}`);
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  QS_ENV: "development",
  QS_DATA_DIR: join(stateDir, "data"),
  QS_HTTP_HOST: "127.0.0.1",
  QS_HTTP_PORT: String(httpPort),
  QS_SSH_HOST: "127.0.0.1",
  QS_SSH_PORT: String(sshPort),
  QS_REDIS_URL: redis.url,
  QS_KUBECONFIG: kubeconfig,
  QS_REGISTRY_URL: registry.url,
  QS_BASE_DOMAIN: "apps.localhost",
  QS_BUILD_CONTEXT_HOST: "127.0.0.1",
  QS_BUILD_CONTEXT_PORT: String(await freePort()),
  QS_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
  QS_REQUIRE_2FA: "false",
};
if (adminKey !== undefined) env.QS_ADMIN_SSH_KEY = adminKey;

const server = spawn(process.execPath, [join(root, "apps/server/src/main.ts")], {
  env,
  stdio: "inherit",
});

console.log(`-----> Redis         ${redis.url} (data in .qs/redis)`);
console.log(`-----> Registry      ${registry.url} (data in .qs/registry)`);
console.log(`-----> HTTP          http://127.0.0.1:${httpPort}/  (/healthz, /readyz)`);
console.log(`-----> SSH           ssh -p ${sshPort} git@127.0.0.1 version`);
console.log(
  adminKey === undefined
    ? " !     no ~/.ssh/id_*.pub found: make one with ssh-keygen -t ed25519 to log in over SSH"
    : `-----> First admin     ${adminKey.split(" ").slice(0, 1).join("")} key from ~/.ssh`,
);
console.log(`
First push:
       cat >> ~/.ssh/config <<'CFG'
       Host qs
         HostName 127.0.0.1
         Port ${sshPort}
         User git
       CFG
       ssh qs apps:create shop
       git remote add qs ssh://git@127.0.0.1:${sshPort}/shop.git
       git push qs main
`);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM");
      await once(server, "exit");
    }
    await Promise.allSettled([redis.stop(), registry.stop(), double?.close()]);
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
server.on("exit", (code) => {
  if (!stopping) void stop(code ?? 1);
});
