import { ConfigError } from "@qs/core";
import { createLogger, loadConfig, type QsConfig } from "@qs/config";
import { startControlPlane } from "./control-plane.ts";

// Entry point of the control-plane process. Exit codes: 0 clean stop, 1 crash,
// 2 invalid configuration (every wrong QS_* variable is named).
let config: QsConfig;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`quickstack: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
const logger = createLogger(config);
// Handlers first: a SIGTERM during start-up (a rollout replacing a pod that is still
// starting) waits for the start to finish and then closes what was started, instead of
// killing the process half-way.
const starting = startControlPlane(config, logger);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  starting.then((plane) => plane.close()).then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
await starting;
