import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@qs/config";
import type { Logger } from "@qs/core";
import { type KubeDouble, startKubeDouble } from "../../../test/kube-double/src/index.ts";
import { prepareCluster } from "../../../test/support/quickstack-cluster.ts";
import { startRedis, type RunningRedis } from "../../../test/support/services.ts";
import { tempDir } from "../../../test/support/tmp.ts";
import { startControlPlane } from "./control-plane.ts";

// SIGTERM while a dependency is gone (Redis restarting, the node going away) must still
// end the process: Kubernetes would otherwise wait out terminationGracePeriodSeconds and
// `npm run dev` would leave it running.

let dir: Awaited<ReturnType<typeof tempDir>>;
let double: KubeDouble;
let redis: RunningRedis;

beforeAll(async () => {
  dir = await tempDir("qs-shutdown-");
  redis = await startRedis(join(dir.path, "redis"));
  double = await startKubeDouble();
  await prepareCluster(double.kubeconfigPath);
});
afterAll(async () => {
  await double.close();
  await redis.stop();
  await dir.remove();
});

describe("control-plane shutdown", () => {
  it("finishes when Redis went away first: the builds queue drops connections that cannot close", async () => {
    const config = loadConfig({
      QS_DATA_DIR: join(dir.path, "data"),
      QS_HTTP_HOST: "127.0.0.1",
      QS_HTTP_PORT: "0",
      QS_SSH_HOST: "127.0.0.1",
      QS_SSH_PORT: "0",
      QS_BUILD_CONTEXT_HOST: "127.0.0.1",
      QS_BUILD_CONTEXT_PORT: "0",
      QS_REDIS_URL: redis.url,
      QS_KUBECONFIG: double.kubeconfigPath,
      QS_SHUTDOWN_GRACE_SECONDS: "1",
      QS_LOG_LEVEL: "silent",
    });
    const errors: string[] = [];
    const logger: Logger = {
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (obj: unknown, msg?: string) => void errors.push(`${msg ?? ""} ${JSON.stringify(obj)}`),
      fatal: () => undefined,
      child: () => logger,
    } as unknown as Logger;
    const plane = await startControlPlane(config, logger);
    await redis.stop();
    const closed = await Promise.race([
      plane.close().then(() => "closed"),
      new Promise((resolve) => setTimeout(() => resolve("still closing after 45 s"), 45_000).unref()),
    ]);
    expect(closed).toBe("closed");
    // Each part closed by itself; none had to be given up by the control plane's limit.
    expect(errors.filter((e) => e.includes("did not finish"))).toEqual([]);
  }, 60_000);
});
