import { defineConfig } from "vitest/config";
import LongestFirst from "./test/support/sequencer.ts";
import { testWorkers } from "./test/support/workers.ts";

// Test projects (STYLE.md):
//   unit         pure, in-process: `x.test.ts` beside the code
//   integration  real services or the Kubernetes API double: `x.<service>.test.ts`
//                (x.redis.test.ts, x.git.test.ts, x.double.test.ts, x.case.test.ts …)
//   e2e          the whole control plane: test/e2e/**
//   cluster      against the local real Kubernetes (test/cluster, `npm run cluster`):
//                the contract suites (`*.case.test.ts`) and `*.cluster.test.ts`, run by
//                scripts/test.sh with QS_TEST_KUBECONFIG set once the cluster is up
// Services (redis-server, docker-registry) are started once per run by the global setup.
// The cluster project exists only when scripts/test.sh has started the local cluster.
// Most test time is waiting (on pods, builds, git and ssh peers), so even a 2-core machine
// runs three files at once (test/support/workers.ts); every project shares those workers.
// Each worker has a Redis database and a registry of its own (test/support/worker-services.ts),
// so whole control planes in e2e files side by side keep their queues and images apart. Cluster suites
// keep to their own namespaces (and QS_SYSTEM_NAMESPACE), so they can run side by side.
// The suite with a whole control plane limits its loops to its own app (ownsApp).
const maxWorkers = testWorkers;
const clusterKubeconfig = process.env.QS_CLUSTER_KUBECONFIG ?? "";
const exclude = ["**/node_modules/**", ".tools/**", ".qs/**"];

export default defineConfig({
  test: {
    maxWorkers,
    globalSetup: ["./test/support/global-setup.ts"],
    setupFiles: ["./test/support/worker-services.ts"],
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{apps,packages,test,scripts}/**/*.test.ts"],
          exclude: [...exclude, "**/*.*.test.ts", "test/e2e/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["{apps,packages,test,scripts}/**/*.*.test.ts"],
          exclude: [...exclude, "test/e2e/**", "test/cluster/**", "**/*.cluster.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          exclude: [...exclude, "**/*.cluster.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      ...(clusterKubeconfig === ""
        ? []
        : [
            {
              extends: true,
              test: {
                name: "cluster",
                env: { QS_TEST_KUBECONFIG: clusterKubeconfig },
                include: [
                  "{apps,packages,test}/**/*.case.test.ts",
                  "{apps,packages,test}/**/*.cluster.test.ts",
                ],
                exclude,
                testTimeout: 180_000,
                hookTimeout: 120_000,
              },
            },
          ]),
    ],
  },
});
