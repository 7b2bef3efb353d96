// Dev mode (`npm run dev [-- --fresh] [-- --simulated]`): a real redis-server and
// docker-registry under .qs/, the control plane, and a cluster, announced loudly: the one
// KUBECONFIG names; else the local real cluster (test/cluster) once it has been built on
// this machine; else (or with --simulated) the Kubernetes API double.
// Ports and state are kept in .qs/ across runs; Ctrl-C stops everything this script started,
// the control plane first so it never sees its Redis go away.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startRedis, startRegistry } from "../test/support/services.ts";
import { RECIPE_APP, buildAccountHints, buildBanner, buildFirstPushRecipe, sshConfigPointsAt, type DevEndpoints } from "./dev/recipe.ts";
import { localClusterBuilt, startRealCluster, type RealClusterEnv } from "./dev/real-cluster.ts";
import { startSimulatedCluster, type DevCluster } from "./dev/simulated-cluster.ts";
import { chooseDevPorts, removeDevState } from "./dev/state.ts";

const root = join(import.meta.dirname, "..");
// The one host form for everything printed (ssh asks about a host key per name it is given).
const HOST = "127.0.0.1";

let args: ReturnType<typeof parseDevArgs>;
function parseDevArgs() {
  return parseArgs({
    options: {
      fresh: { type: "boolean", default: false },
      simulated: { type: "boolean", default: false },
      "state-dir": { type: "string" },
    },
  }).values;
}
try {
  args = parseDevArgs();
} catch (err) {
  console.error(` !     ${(err as Error).message}`);
  console.error("       usage: npm run dev [-- --fresh] [-- --simulated] [-- --state-dir DIR]   (--fresh: start with no apps, users or images; --simulated: the Kubernetes API double even when the local cluster is built)");
  process.exit(2);
}
const stateDir = resolve(args["state-dir"] ?? join(root, ".qs"));

function developerKey(): string | undefined {
  const sshDir = join(homedir(), ".ssh");
  if (!existsSync(sshDir)) return undefined;
  const file = readdirSync(sshDir)
    .filter((f) => /^id_[a-z0-9_]+\.pub$/.test(f))
    .sort()[0];
  return file === undefined ? undefined : readFileSync(join(sshDir, file), "utf8").trim();
}

function readSshConfig(): string {
  try {
    return readFileSync(join(homedir(), ".ssh", "config"), "utf8");
  } catch {
    return "";
  }
}

if (args.fresh) {
  const removed = removeDevState(stateDir);
  console.log(removed.length === 0 ? "-----> --fresh: nothing to remove" : "-----> --fresh removed:");
  for (const line of removed) console.log(`       ${line}`);
}
const { ports, moved } = await chooseDevPorts(stateDir);
for (const line of moved) console.log(` !     port ${line} (the ssh config below changes with it)`);
const redis = await startRedis(join(stateDir, "redis"), { appendOnly: true, ownProcessGroup: true, port: ports.redis });
const registry = await startRegistry(join(stateDir, "registry"), { ownProcessGroup: true, port: ports.registry });
const adminKey = developerKey();
const endpoints: DevEndpoints = { host: HOST, sshPort: ports.ssh, httpPort: ports.http };

let cluster: DevCluster | undefined;
let clusterEnv: Partial<RealClusterEnv> = {};
// The recipe's last line, asking the pushed app for its page (a real cluster only).
let appCheck: string | undefined;
let kubeconfig = process.env.KUBECONFIG;
if (kubeconfig !== undefined && kubeconfig !== "") {
  console.log(`-----> Using the cluster in ${kubeconfig}`);
} else if (!args.simulated && localClusterBuilt()) {
  const real = await startRealCluster(ports.buildContext);
  cluster = real;
  clusterEnv = real.env;
  appCheck = real.curl(RECIPE_APP);
  kubeconfig = real.kubeconfig;
  console.log(buildBanner(real.banner));
} else {
  cluster = await startSimulatedCluster(stateDir, registry.url);
  kubeconfig = cluster.kubeconfig;
  console.log(buildBanner(cluster.banner));
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  QS_ENV: "development",
  QS_DATA_DIR: join(stateDir, "data"),
  QS_HTTP_HOST: HOST,
  QS_HTTP_PORT: String(ports.http),
  QS_SSH_HOST: HOST,
  QS_SSH_PORT: String(ports.ssh),
  QS_SSH_PUBLIC_HOST: HOST,
  QS_REDIS_URL: redis.url,
  QS_KUBECONFIG: kubeconfig,
  QS_REGISTRY_URL: registry.url,
  QS_BASE_DOMAIN: "apps.localhost",
  QS_BUILD_CONTEXT_HOST: HOST,
  QS_BUILD_CONTEXT_PORT: String(ports.buildContext),
  QS_PUBLIC_URL: `http://${HOST}:${ports.http}`,
  QS_REQUIRE_2FA: "false",
  ...clusterEnv,
};
if (adminKey !== undefined) env.QS_ADMIN_SSH_KEY = adminKey;

const server = spawn(process.execPath, [join(root, "apps/server/src/main.ts")], {
  env,
  stdio: "inherit",
});

console.log(`-----> State         ${stateDir} (kept across restarts; npm run dev -- --fresh starts clean)`);
console.log(`-----> Redis         ${redis.url}`);
console.log(`-----> Registry      ${env.QS_REGISTRY_URL ?? registry.url}`);
console.log(`-----> HTTP          http://${HOST}:${ports.http}/  (/healthz, /readyz)`);
console.log(`-----> SSH           ssh -p ${ports.ssh} git@${HOST} version`);
console.log(
  adminKey === undefined
    ? " !     no ~/.ssh/id_*.pub found: make one with ssh-keygen -t ed25519 to log in over SSH"
    : `-----> First admin     admin, with the ${adminKey.split(" ")[0] ?? ""} key from ~/.ssh`,
);
console.log(`\n${buildFirstPushRecipe(endpoints, sshConfigPointsAt(readSshConfig(), endpoints), appCheck)}`);
console.log(`${buildAccountHints(endpoints).join("\n")}\n`);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // In order: the control plane closes its Redis and cluster connections itself, then
    // what it used goes (Redis and the registry are in their own process groups, so a
    // terminal's Ctrl-C reached only us and the control plane).
    if (server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM");
      await once(server, "exit");
    }
    await Promise.allSettled([cluster?.close()]);
    await Promise.allSettled([redis.stop(), registry.stop()]);
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
server.on("exit", (code) => {
  if (!stopping) void stop(code ?? 1);
});
