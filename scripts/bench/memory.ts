// Resident memory of the control-plane process against the Kubernetes API double: idle
// with no apps, then with 500 apps created and reconciled. Targets (issue 7): ≤ 120 MB
// idle, ≤ 200 MB with 500 apps. Measured twice: the compiled build the image runs
// (`npm run build` → dist/, built here first) and the TypeScript sources `npm run dev` runs.
// Reports figures only; it never fails on them. BENCH_ENTRY measures one other entry point.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createAppStore, createKubeApis, loadKubeConnection } from "@qs/kube";
import { startKubeDouble } from "../../test/kube-double/src/index.ts";
import { down, up } from "../../test/cluster/src/cluster.ts";
import { daemonPid } from "../../test/cluster/src/daemons.ts";
import { clusterPaths, kubernetesVersion } from "../../test/cluster/src/layout.ts";
import { localClusterBuilt } from "../dev/real-cluster.ts";
import { prepareCluster } from "../../test/support/quickstack-cluster.ts";
import { freePort, waitForPort } from "../../test/support/ports.ts";
import { startRedis, startRegistry } from "../../test/support/services.ts";
import { tempDir } from "../../test/support/tmp.ts";

const APPS = Number(process.env.BENCH_APPS ?? 500);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 15_000);
// The flags the control-plane image runs with (Dockerfile): a smaller young generation and
// V8's size-over-speed mode; BENCH_NODE_FLAGS="" measures plain node.
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? "--max-semi-space-size=1 --optimize-for-size")
  .split(" ")
  .filter(Boolean);

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

interface Reading {
  count: number;
  idle: number;
  loaded: number;
  reconciled: number;
  createdMs: number;
}

/**
 * Starts `entry` against a fresh double (or the real cluster whose kubeconfig is given),
 * reads its memory idle and with `count` apps.
 */
async function measure(entry: string, services: { redis: string; registry: string; data: string }, realKubeconfig?: string, count = APPS): Promise<Reading> {
  const double = realKubeconfig === undefined ? await startKubeDouble() : undefined;
  const kubeconfigPath = realKubeconfig ?? double!.kubeconfigPath;
  const apis = createKubeApis(loadKubeConnection(kubeconfigPath));
  const prefix = `bench-${Date.now().toString(36)}`;
  try {
    await prepareCluster(kubeconfigPath);
    const httpPort = await freePort();
    const child = spawn(process.execPath, [...NODE_FLAGS, entry], {
      env: {
        PATH: process.env.PATH,
        QS_LOG_LEVEL: "error",
        QS_DATA_DIR: services.data,
        QS_HTTP_HOST: "127.0.0.1",
        QS_HTTP_PORT: String(httpPort),
        QS_SSH_HOST: "127.0.0.1",
        QS_SSH_PORT: "0",
        QS_BUILD_CONTEXT_HOST: "127.0.0.1",
        QS_BUILD_CONTEXT_PORT: "0",
        QS_REDIS_URL: services.redis,
        QS_REGISTRY_URL: services.registry,
        QS_KUBECONFIG: kubeconfigPath,
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    try {
      await waitForPort(httpPort, "127.0.0.1", 30_000);
      await sleep(SETTLE_MS);
      const idle = await rssMb(child.pid!);

      const apps = createAppStore(apis);
      const started = Date.now();
      for (let i = 0; i < count; i += 10) {
        await Promise.all(
          Array.from({ length: Math.min(10, count - i) }, (_, j) =>
            apps.create(`${prefix}-${(i + j).toString().padStart(4, "0")}`, "bench", {
              processes: { web: { replicas: 1 } },
            }),
          ),
        );
      }
      const createdMs = Date.now() - started;
      await sleep(SETTLE_MS);
      const loaded = await rssMb(child.pid!);
      // The figure only means something if the control plane did the work: every App
      // carries the status the reconciler writes once it has seen it.
      const objects = await apis.custom<{ status?: { observedGeneration?: number } }>("quickstack.dev/v1alpha1", "apps").listAll();
      const mine = objects.items.filter((o) => (o as { metadata?: { name?: string } }).metadata?.name?.startsWith(prefix) ?? false);
      const reconciled = mine.filter((o) => o.status?.observedGeneration !== undefined).length;
      if (realKubeconfig !== undefined) {
        for (const o of mine) await apps.destroy((o as { metadata: { name: string } }).metadata.name).catch(() => undefined);
      }
      return { idle, loaded, reconciled, createdMs, count };
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  } finally {
    apis.rest.close();
    await double?.close();
  }
}

function report(label: string, r: Reading): void {
  console.log(`${label}:`);
  console.log(`  idle, no apps             ${r.idle.toFixed(0)} MB   (target ≤ 120 MB)`);
  console.log(`  ${r.count.toString()} apps reconciled        ${r.loaded.toFixed(0)} MB   (target ≤ 200 MB with 500)`);
  console.log(
    `  (${r.reconciled.toString()} of ${r.count.toString()} Apps reconciled; creating them took ${(r.createdMs / 1000).toFixed(1)} s; settled ${(SETTLE_MS / 1000).toString()} s before each reading)`,
  );
}

/** The compiled control plane against the local real API server, when it is built and we are root. */
async function measureOnRealCluster(services: { redis: string; registry: string; data: string }): Promise<void> {
  if (process.getuid?.() !== 0 || !localClusterBuilt()) {
    console.log("Against the real API server: skipped (needs root and the local cluster built: npm run cluster -- build)");
    return;
  }
  const paths = clusterPaths();
  const wasRunning = daemonPid(paths.pids, "kube-apiserver") !== undefined;
  if (!wasRunning) await up(paths);
  try {
    const count = Number(process.env.BENCH_CLUSTER_APPS ?? 100);
    report(`compiled, against the local real API server (Kubernetes ${kubernetesVersion}, test/cluster)`, await measure("dist/apps/server/src/main.js", services, paths.adminKubeconfig, count));
  } finally {
    if (!wasRunning) await down(paths);
  }
}

const tmp = await tempDir("qs-bench-mem-");
const redis = await startRedis(join(tmp.path, "redis"));
const registry = await startRegistry(join(tmp.path, "registry"));
try {
  const services = { redis: redis.url, registry: registry.url, data: join(tmp.path, "data") };
  console.log(`Control-plane resident memory (VmRSS), API double, node ${NODE_FLAGS.join(" ") || "(no flags)"}`);
  if (process.env.BENCH_ENTRY !== undefined) {
    report(process.env.BENCH_ENTRY, await measure(process.env.BENCH_ENTRY, services));
  } else {
    const build = spawnSync(process.execPath, ["scripts/build.ts"], { stdio: ["ignore", "ignore", "inherit"] });
    if (build.status !== 0) throw new Error("npm run build failed");
    report("compiled, as the image runs it (dist/apps/server/src/main.js)", await measure("dist/apps/server/src/main.js", services));
    report("TypeScript sources, as npm run dev runs them (apps/server/src/main.ts)", await measure("apps/server/src/main.ts", services));
    await measureOnRealCluster(services);
  }
} finally {
  await Promise.allSettled([redis.stop(), registry.stop()]);
  await tmp.remove();
}
