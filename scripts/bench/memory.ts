// Resident memory of the control-plane process (node apps/server/src/main.ts, the way it
// runs in production) against the Kubernetes API double: idle with no apps, then with 500
// apps created and reconciled. Targets (issue 7): ≤ 120 MB idle, ≤ 200 MB with 500 apps.
// Reports figures only; it never fails on them. BENCH_ENTRY runs another entry point (e.g.
// a bundled build) in place of apps/server/src/main.ts.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createAppStore, createKubeApis, loadKubeConnection } from "@qs/kube";
import { startKubeDouble } from "../../test/kube-double/src/index.ts";
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

const tmp = await tempDir("qs-bench-mem-");
const redis = await startRedis(join(tmp.path, "redis"));
const registry = await startRegistry(join(tmp.path, "registry"));
const double = await startKubeDouble();
try {
  await prepareCluster(double.kubeconfigPath);
  const httpPort = await freePort();
  const child = spawn(process.execPath, [...NODE_FLAGS, process.env.BENCH_ENTRY ?? "apps/server/src/main.ts"], {
    env: {
      PATH: process.env.PATH,
      QS_LOG_LEVEL: "warn",
      QS_DATA_DIR: join(tmp.path, "data"),
      QS_HTTP_HOST: "127.0.0.1",
      QS_HTTP_PORT: String(httpPort),
      QS_SSH_HOST: "127.0.0.1",
      QS_SSH_PORT: "0",
      QS_BUILD_CONTEXT_HOST: "127.0.0.1",
      QS_BUILD_CONTEXT_PORT: "0",
      QS_REDIS_URL: redis.url,
      QS_REGISTRY_URL: registry.url,
      QS_KUBECONFIG: double.kubeconfigPath,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitForPort(httpPort, "127.0.0.1", 30_000);
  await sleep(SETTLE_MS);
  const idle = await rssMb(child.pid!);

  const apis = createKubeApis(loadKubeConnection(double.kubeconfigPath));
  const apps = createAppStore(apis);
  const started = Date.now();
  for (let i = 0; i < APPS; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, APPS - i) }, (_, j) =>
        apps.create(`bench-${(i + j).toString().padStart(4, "0")}`, "bench", {
          processes: { web: { replicas: 1 } },
        }),
      ),
    );
  }
  const createdMs = Date.now() - started;
  await sleep(SETTLE_MS);
  const loaded = await rssMb(child.pid!);
  // The figure only means something if the control plane did the work: every App carries
  // the status the reconciler writes once it has seen it.
  const objects = await apis.custom<{ status?: { observedGeneration?: number } }>("quickstack.dev/v1alpha1", "apps").listAll();
  const reconciled = objects.items.filter((o) => o.status?.observedGeneration !== undefined).length;
  child.kill("SIGTERM");
  await once(child, "exit");

  console.log(`Control-plane resident memory (VmRSS), API double, node ${NODE_FLAGS.join(" ") || "(no flags)"}:`);
  console.log(`  idle, no apps             ${idle.toFixed(0)} MB   (target ≤ 120 MB)`);
  console.log(`  ${APPS.toString()} apps reconciled        ${loaded.toFixed(0)} MB   (target ≤ 200 MB)`);
  console.log(`  (${reconciled.toString()} of ${APPS.toString()} App objects have a status from the reconciler)`);
  console.log(`  (creating ${APPS.toString()} apps took ${(createdMs / 1000).toFixed(1)} s; settled ${(SETTLE_MS / 1000).toString()} s before each reading)`);
  apis.rest.close();
} finally {
  await double.close();
  await Promise.allSettled([redis.stop(), registry.stop()]);
  await tmp.remove();
}
