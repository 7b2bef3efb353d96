import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeployRequest, type ReleaseManager, appNamespace, silentLogger } from "@qs/core";
import {
  type KubeApis,
  type Reconciler,
  createAppStore,
  createConfigStore,
  createKubeApis,
  createReconciler,
  createReleaseManager,
  installCrds,
  loadKubeConnection,
} from "@qs/kube";
import { captureOutput, eventually } from "../../../../test/e2e/deploy/harness.ts";
import { imageName } from "../../../../test/cluster/src/images.ts";
import { createPreviewManager } from "./manager.ts";

// A preview of a real app on the local real cluster: real pods of busybox httpd answer HTTP,
// the preview beside its parent, each with its own config.
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const busybox = imageName("library/busybox:1.35");
const never = new AbortController().signal;
const web = 'mkdir -p /tmp/www && echo "hello ${GREETING:-nobody}" > /tmp/www/index.html && exec httpd -f -p $PORT -h /tmp/www';

let apis: KubeApis;
let reconciler: Reconciler;
let releases: ReleaseManager;
let apps: ReturnType<typeof createAppStore>;
let config: ReturnType<typeof createConfigStore>;
const created: string[] = [];

beforeAll(async () => {
  apis = createKubeApis(loadKubeConnection(kubeconfig));
  await installCrds(apis);
  const render = { baseDomain: "qs.test", progressDeadlineSeconds: 30 };
  reconciler = createReconciler({
    apis,
    logger: silentLogger,
    // Only this suite's apps (parents and their previews): others run beside it.
    options: { resyncIntervalMs: 5_000, watchRestartDelayMs: 500, retryDelayMs: 500, render, owns: (a) => a.startsWith("pv-") },
  });
  await reconciler.start();
  apps = createAppStore(apis);
  config = createConfigStore(apis);
  releases = createReleaseManager({
    apis,
    logger: silentLogger,
    options: { render, pollMs: 250, rolloutTimeoutMs: 90_000, releasePhaseTimeoutMs: 90_000 },
  });
});
afterAll(async () => {
  await Promise.allSettled(created.map((name) => apps.destroy(name)));
  await reconciler.close();
  apis.rest.close();
});

async function http(app: string): Promise<string> {
  const svc = (await apis.services.list(appNamespace(app))).items[0];
  const ip = svc?.spec?.clusterIP;
  if (!ip) throw new Error("no Service");
  return (await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(3_000) })).text();
}

const request = (app: string): DeployRequest => ({
  app,
  image: busybox,
  gitSha: "abc1234abc1234",
  processes: { web },
  author: "alice",
  description: "Deploy busybox",
});

describe("a preview on the real cluster", () => {
  it("answers HTTP beside its parent with its own config, on its own host, and goes with its branch", async () => {
    const parent = `pv-${randomUUID().slice(0, 8)}`;
    created.push(parent);
    await apps.create(parent, "alice", { previews: { ttlSeconds: 3600, limit: 5, addons: "none" }, domains: ["shop.example.com"] });
    await config.update(parent, () => ({ GREETING: "parent" }));
    await releases.deploy(request(parent), captureOutput(), never);

    const previews = createPreviewManager({ apps, config, logger: silentLogger });
    const preview = (await previews.prepare(parent, "feature/login", "alice")) ?? "";
    created.push(preview);
    expect(preview).toBe(`${parent}--feature-login`);
    expect(await config.get(preview)).toEqual({ GREETING: "parent" });
    await config.update(preview, () => ({ GREETING: "preview" }));
    await releases.deploy(request(preview), captureOutput(), never);

    expect(await eventually(async () => ((await http(preview)).includes("hello preview") ? "ok" : undefined), "preview HTTP", 60_000)).toBe("ok");
    expect(await eventually(async () => ((await http(parent)).includes("hello parent") ? "ok" : undefined), "parent HTTP", 60_000)).toBe("ok");
    const ingress = await apis.ingresses.read(appNamespace(preview), preview);
    expect(ingress.spec?.rules?.map((r) => r.host)).toEqual([`feature-login.${parent}.qs.test`]);

    expect(await previews.remove(parent, "feature/login")).toBe(preview);
    // Foreground deletion: the App goes once the API server has removed what it owns.
    await eventually(async () => !(await apps.exists(preview)), "the preview App to go", 60_000);
    expect(await eventually(async () => ((await http(parent)).includes("hello parent") ? "ok" : undefined), "parent still up", 30_000)).toBe("ok");
  });
});
