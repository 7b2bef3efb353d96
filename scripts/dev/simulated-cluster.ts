import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startKubeDouble } from "../../test/kube-double/src/index.ts";
import { prepareCluster } from "../../test/support/quickstack-cluster.ts";
import { simulateBuilders } from "../../test/support/simulated-builders.ts";
import { kubeDoubleStateFile } from "./state.ts";

/** A cluster dev mode runs against: where its kubeconfig is, what to tell, how to stop it. */
export interface DevCluster {
  readonly kubeconfig: string;
  /** Lines for the start-up banner. */
  readonly banner: readonly string[];
  close(): Promise<void>;
}

/**
 * The Kubernetes API double as dev mode's cluster: objects kept in .qs/kube-double.json,
 * builders and one-off processes played, and exec refused (the double never runs commands
 * on this machine; hostExec is left off on purpose).
 */
export async function startSimulatedCluster(stateDir: string, registryUrl: string): Promise<DevCluster> {
  const stateFile = kubeDoubleStateFile(stateDir);
  // jobContainerMs: the builder pod's fetch init container runs this long, and the played
  // builder's script (with the digest of the image simulateBuilders pushes meanwhile) must be
  // in place before the builder container starts; at the default 100 ms a busy machine lost
  // that race and the push failed with "reported no image digest".
  const double = await startKubeDouble({ nodes: 2, timings: { secondsScale: 0.2, jobContainerMs: 2_000 }, stateFile });
  const kubeconfig = join(stateDir, "kubeconfig");
  writeFileSync(kubeconfig, double.kubeconfigYaml, { mode: 0o600 });
  await prepareCluster(kubeconfig);
  const stopBuilders = simulateBuilders(double, registryUrl);
  const kept =
    double.restoredObjects > 0
      ? `Its objects (${double.restoredObjects}) were read back from ${stateFile}; --fresh starts clean.`
      : `Its objects are kept in ${stateFile}; --fresh starts clean.`;
  return {
    kubeconfig,
    banner: [
      "THE CLUSTER IS SIMULATED: no KUBECONFIG was given, so this runs against the",
      "Kubernetes API double (test/kube-double). Builds and app containers are played",
      "by it (no real images run; apps:enter and apps:run say what would have run).",
      kept,
      `kubectl works against it: KUBECONFIG=${kubeconfig} kubectl get apps -A`,
      "For a real cluster: KUBECONFIG=/etc/rancher/k3s/k3s.yaml npm run dev",
    ],
    async close() {
      stopBuilders();
      await double.close();
    },
  };
}
