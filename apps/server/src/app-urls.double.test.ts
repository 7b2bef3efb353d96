import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@qs/config";
import { silentLogger } from "@qs/core";
import { type KubeDouble, startKubeDouble } from "../../../test/kube-double/src/index.ts";
import { prepareCluster } from "../../../test/support/quickstack-cluster.ts";
import { generateClientKey, sshExec, type ClientKey } from "../../../test/support/ssh.ts";
import { tempDir } from "../../../test/support/tmp.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";

// The push prints app URLs with QsConfig.appScheme; apps:create and apps:info must print the
// same scheme (development has no TLS, so https:// there was a URL that does not answer), and
// the git remote they print names the SSH host as configured, as dev mode's recipe does.

let dir: Awaited<ReturnType<typeof tempDir>>;
let double: KubeDouble;
let plane: ControlPlane;
let admin: ClientKey;

beforeAll(async () => {
  dir = await tempDir("qs-urls-");
  admin = await generateClientKey(dir.path, "ed25519", "admin");
  double = await startKubeDouble();
  await prepareCluster(double.kubeconfigPath);
  const config = loadConfig({
    QS_ENV: "development",
    QS_DATA_DIR: join(dir.path, "data"),
    QS_HTTP_HOST: "127.0.0.1",
    QS_HTTP_PORT: "0",
    QS_SSH_HOST: "127.0.0.1",
    QS_SSH_PORT: "0",
    QS_SSH_PUBLIC_HOST: "127.0.0.1",
    QS_BUILD_CONTEXT_HOST: "127.0.0.1",
    QS_BUILD_CONTEXT_PORT: "0",
    QS_REDIS_URL: process.env.QS_TEST_REDIS_URL!,
    QS_KUBECONFIG: double.kubeconfigPath,
    QS_BASE_DOMAIN: "apps.localhost",
    QS_ADMIN_SSH_KEY: admin.publicKey,
    QS_LOG_LEVEL: "silent",
  });
  expect(config.appScheme).toBe("http");
  plane = await startControlPlane(config, silentLogger);
});
afterAll(async () => {
  await plane.close();
  await double.close();
  await dir.remove();
});

describe("app URLs in development", () => {
  it("apps:create and apps:info say http://, as the push does, and the remote uses the configured host", async () => {
    const created = await sshExec(plane.sshPort, admin, "apps:create urlshop");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("url: http://urlshop.apps.localhost");
    expect(created.stdout).toContain(`git remote add qs ssh://git@127.0.0.1:${plane.sshPort}/urlshop.git`);
    const info = await sshExec(plane.sshPort, admin, "apps:info urlshop");
    expect(info.stdout).toContain("http://urlshop.apps.localhost");
    expect(`${created.stdout}${info.stdout}`).not.toContain("https://");
  });
});
