import { randomUUID } from "node:crypto";
import { type OutputSink, type ReleaseManager, silentLogger } from "@qs/core";
import {
  type KubeApis,
  type Reconciler,
  type ReconcilerOptions,
  createAppStore,
  createConfigStore,
  createKubeApis,
  createReconciler,
  createReleaseManager,
  installCrds,
  loadKubeConnection,
} from "@qs/kube";
import { type KubeDouble, startKubeDouble } from "../../kube-double/src/index.ts";
import type { ContainerScript } from "../../kube-double/src/behaviour.ts";

/** Everything a deploy test needs: the double, the stores, a reconciler and a release manager. */
export interface DeployHarness {
  double: KubeDouble;
  apis: KubeApis;
  apps: ReturnType<typeof createAppStore>;
  config: ReturnType<typeof createConfigStore>;
  releases: ReleaseManager;
  reconciler: Reconciler;
  /** Starts a fresh reconciler (after closing the current one), as a control-plane restart does. */
  restartReconciler(): Promise<void>;
  /** A unique app name for one test. */
  appName(prefix?: string): string;
  close(): Promise<void>;
}

/** Fast timings for tests; production defaults are in the option docs. */
export const reconcilerOptions: ReconcilerOptions = {
  resyncIntervalMs: 3000,
  watchRestartDelayMs: 200,
  retryDelayMs: 200,
  render: { baseDomain: "qs.test", progressDeadlineSeconds: 20 },
};

/** Starts the double, installs the CRDs and wires the kube package to it. */
export async function startDeployHarness(): Promise<DeployHarness> {
  // progressDeadlineSeconds 20 (below) passes in 2 s of simulated time.
  const double = await startKubeDouble({ hostExec: true, timings: { secondsScale: 0.1 } });
  const apis = createKubeApis(loadKubeConnection(double.kubeconfigPath));
  await installCrds(apis);
  const make = (): Reconciler => createReconciler({ apis, logger: silentLogger, options: reconcilerOptions });
  const h: DeployHarness = {
    double,
    apis,
    apps: createAppStore(apis),
    config: createConfigStore(apis),
    releases: createReleaseManager({
      apis,
      logger: silentLogger,
      options: { render: reconcilerOptions.render, pollMs: 100, rolloutTimeoutMs: 30_000, releasePhaseTimeoutMs: 30_000 },
    }),
    reconciler: make(),
    async restartReconciler() {
      await h.reconciler.close();
      h.reconciler = make();
      await h.reconciler.start();
    },
    appName: (prefix = "app") => `${prefix}-${randomUUID().slice(0, 8)}`,
    async close() {
      await h.reconciler.close();
      apis.rest.close();
      await double.close();
    },
  };
  await h.reconciler.start();
  return h;
}

/** An OutputSink that keeps the lines. */
export function captureOutput(): OutputSink & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return { lines, line: (t) => lines.push(t), text: () => lines.join("\n") };
}

/** Polls `probe` until it returns a value that is not undefined/false. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Scripts what containers of `image` do in the double's simulated kubelet. */
export function script(h: DeployHarness, image: string, behaviour: ContainerScript): void {
  h.double.script(image, behaviour);
}
