import { availableParallelism } from "node:os";

// How many test files run at once: most test time is waiting (on pods, builds, git and ssh
// peers), so even a 2-core machine runs three (QS_TEST_WORKERS overrides). Read by the
// Vitest config and by the global setup, which starts a registry for each worker.
export const testWorkers = Number(process.env.QS_TEST_WORKERS ?? Math.max(3, availableParallelism() - 1));
