import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeployFailedError,
  type DeployRequest,
  type ReleaseManager,
  appNamespace,
  silentLogger,
} from "@qs/core";
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
import { captureOutput, eventually } from "../e2e/deploy/harness.ts";
import { imageName } from "./src/images.ts";

// QuickStack's deploy path (App CRD, reconciler, release manager) against the real API
// server, controllers and kubelet: real pods run a real image (busybox from the local
// registry, through the registry mirror), and the web process answers HTTP through its
// Service (kube-proxy).

const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const busybox = imageName("library/busybox:1.35");
const never = new AbortController().signal;

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
    options: { resyncIntervalMs: 5_000, watchRestartDelayMs: 500, retryDelayMs: 500, render },
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

async function newApp(): Promise<string> {
  const name = `rc-${randomUUID().slice(0, 8)}`;
  await apps.create(name, "alice");
  created.push(name);
  return name;
}

/** A web process: busybox httpd on $PORT serving a page that shows GREETING. */
const web =
  'mkdir -p /tmp/www && echo "hello ${GREETING:-nobody}" > /tmp/www/index.html && exec httpd -f -p $PORT -h /tmp/www';

function request(app: string, extra: Partial<DeployRequest> = {}): DeployRequest {
  return {
    app,
    image: busybox,
    gitSha: "abc1234abc1234",
    processes: { web },
    author: "alice",
    description: "Deploy busybox",
    ...extra,
  };
}

async function httpThroughService(app: string): Promise<string> {
  const ns = appNamespace(app);
  const svc = (await apis.services.list(ns)).items[0];
  const ip = svc?.spec?.clusterIP;
  if (!ip) throw new Error("no Service");
  const res = await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(3_000) });
  return res.text();
}

describe("deploy on the real cluster", () => {
  it("first deploy: pods run the image, the App turns Ready and the web process answers through its Service", async () => {
    const name = await newApp();
    const out = captureOutput();
    const release = await releases.deploy(request(name), out, never);
    expect(release.number).toBe(1);
    expect(out.lines).toContain("       web: 1/1 ready");
    expect(out.lines).toContain("=====> Released v1");
    await eventually(
      async () => {
        const a = await apps.get(name);
        return (
          a.status.currentRelease === 1 &&
          a.status.conditions.some((c) => c.type === "Ready" && c.status === "True")
        );
      },
      "App Ready",
      60_000,
    );
    expect(
      await eventually(
        async () => ((await httpThroughService(name)).includes("hello nobody") ? "ok" : undefined),
        "HTTP 200",
        30_000,
      ),
    ).toBe("ok");
  });

  it("config change: the value reaches the process through the Secret and is in no pod spec", async () => {
    const name = await newApp();
    await releases.deploy(request(name), captureOutput(), never);
    await config.update(name, (v) => ({ ...v, GREETING: "from-config-7c1f" }));
    const v2 = await releases.reconfigure(name, "alice", "Set GREETING", captureOutput());
    expect(v2?.number).toBe(2);
    expect(
      await eventually(
        async () =>
          (await httpThroughService(name)).includes("hello from-config-7c1f") ? "ok" : undefined,
        "new value served",
        60_000,
      ),
    ).toBe("ok");
    const ns = appNamespace(name);
    expect(JSON.stringify(await apis.pods.list(ns))).not.toContain("from-config-7c1f");
    expect(JSON.stringify(await apis.deployments.list(ns))).not.toContain("from-config-7c1f");
  });

  it("crash-looping release: rolled back automatically, with the real crash output", async () => {
    const name = await newApp();
    await releases.deploy(request(name), captureOutput(), never);
    const crash = "echo 'Error: DATABASE_URL is not set' >&2; exit 3";
    const err = await releases
      .deploy(request(name, { processes: { web: crash } }), captureOutput(), never)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DeployFailedError);
    const message = (err as Error).message;
    expect(message).toContain("exit code 3");
    expect(message).toContain("Error: DATABASE_URL is not set");
    expect(message).toContain("rolled back to v1");
    expect((await apps.get(name)).spec.release).toBe(1);
    expect(
      await eventually(
        async () => ((await httpThroughService(name)).includes("hello") ? "ok" : undefined),
        "v1 serving",
        60_000,
      ),
    ).toBe("ok");
  });

  it("an image that cannot be pulled: rolled back with ImagePullBackOff", async () => {
    const name = await newApp();
    await releases.deploy(request(name), captureOutput(), never);
    const err = await releases
      .deploy(
        request(name, { image: imageName(`library/missing-${name}:v2`) }),
        captureOutput(),
        never,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployFailedError);
    expect((err as Error).message).toMatch(/ImagePullBackOff|ErrImagePull/);
    expect((await apps.get(name)).spec.release).toBe(1);
  });

  it("release phase: a failing release command (a real Job) stops the deploy; the running release stays", async () => {
    const name = await newApp();
    await releases.deploy(request(name), captureOutput(), never);
    const out = captureOutput();
    const err = await releases
      .deploy(
        request(name, {
          releaseCommand: "echo migrating; echo 'migration 42 failed' >&2; exit 1",
        }),
        out,
        never,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployFailedError);
    expect(`${(err as Error).message}\n${out.text()}`).toContain("migration 42 failed");
    expect((await apps.get(name)).spec.release).toBe(1);
  });
});
