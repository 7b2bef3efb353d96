import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployFailedError, appNamespace } from "@qs/core";
import { createKubeApis, installCrds, loadKubeConnection } from "@qs/kube";
import { captureOutput, eventually } from "../e2e/deploy/harness.ts";
import { type RealDeploy, startRealDeploy } from "./deploy-harness.ts";
import { imageName } from "./src/images.ts";

// QuickStack's deploy path (App CRD, reconciler, release manager) against the real API
// server, controllers and kubelet: real pods run a real image (busybox from the local
// registry, through the registry mirror), and the web process answers HTTP through its
// Service (kube-proxy).

const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const never = new AbortController().signal;
let d: RealDeploy;

beforeAll(async () => {
  const admin = createKubeApis(loadKubeConnection(kubeconfig));
  await installCrds(admin);
  admin.rest.close();
  d = await startRealDeploy(kubeconfig);
});
afterAll(async () => {
  await d.close();
});

describe("deploy on the real cluster", () => {
  it("first deploy: pods run the image, the App turns Ready and the web process answers through its Service", async () => {
    const name = await d.newApp();
    const out = captureOutput();
    const release = await d.releases.deploy(d.request(name), out, never);
    expect(release.number).toBe(1);
    expect(out.lines).toContain("       web: 1/1 ready");
    expect(out.lines).toContain("=====> Released v1");
    await eventually(
      async () => {
        const a = await d.apps.get(name);
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
        async () =>
          (await d.httpThroughService(name)).includes("hello nobody") ? "ok" : undefined,
        "HTTP 200",
        30_000,
      ),
    ).toBe("ok");
  });

  it("config change: the value reaches the process through the Secret and is in no pod spec", async () => {
    const name = await d.newApp();
    await d.releases.deploy(d.request(name), captureOutput(), never);
    await d.config.update(name, (v) => ({ ...v, GREETING: "from-config-7c1f" }));
    const v2 = await d.releases.reconfigure(name, "alice", "Set GREETING", captureOutput());
    expect(v2?.number).toBe(2);
    expect(
      await eventually(
        async () =>
          (await d.httpThroughService(name)).includes("hello from-config-7c1f") ? "ok" : undefined,
        "new value served",
        60_000,
      ),
    ).toBe("ok");
    const ns = appNamespace(name);
    expect(JSON.stringify(await d.apis.pods.list(ns))).not.toContain("from-config-7c1f");
    expect(JSON.stringify(await d.apis.deployments.list(ns))).not.toContain("from-config-7c1f");
  });

  it("crash-looping release: rolled back automatically, with the real crash output", async () => {
    const name = await d.newApp();
    await d.releases.deploy(d.request(name), captureOutput(), never);
    const crash = "echo 'Error: DATABASE_URL is not set' >&2; exit 3";
    const err = await d.releases
      .deploy(d.request(name, { processes: { web: crash } }), captureOutput(), never)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DeployFailedError);
    const message = (err as Error).message;
    expect(message).toContain("exit code 3");
    expect(message).toContain("Error: DATABASE_URL is not set");
    expect(message).toContain("rolled back to v1");
    expect((await d.apps.get(name)).spec.release).toBe(1);
    expect(
      await eventually(
        async () => ((await d.httpThroughService(name)).includes("hello") ? "ok" : undefined),
        "v1 serving",
        60_000,
      ),
    ).toBe("ok");
  });

  it("an image that cannot be pulled: rolled back with ImagePullBackOff", async () => {
    const name = await d.newApp();
    await d.releases.deploy(d.request(name), captureOutput(), never);
    const err = await d.releases
      .deploy(
        d.request(name, { image: imageName(`library/missing-${name}:v2`) }),
        captureOutput(),
        never,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployFailedError);
    expect((err as Error).message).toMatch(/ImagePullBackOff|ErrImagePull/);
    expect((await d.apps.get(name)).spec.release).toBe(1);
  });

  it("release phase: a failing release command (a real Job) stops the deploy; the running release stays", async () => {
    const name = await d.newApp();
    await d.releases.deploy(d.request(name), captureOutput(), never);
    const out = captureOutput();
    const err = await d.releases
      .deploy(
        d.request(name, {
          releaseCommand: "echo migrating; echo 'migration 42 failed' >&2; exit 1",
        }),
        out,
        never,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployFailedError);
    expect(`${(err as Error).message}\n${out.text()}`).toContain("migration 42 failed");
    expect((await d.apps.get(name)).spec.release).toBe(1);
  });
});
