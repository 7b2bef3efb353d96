import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppLogLine, DeployFailedError, appNamespace } from "@qs/core";
import { LABEL_RELEASE, createClusterOps, createKubeApis, installCrds, loadKubeConnection } from "@qs/kube";
import { captureOutput, eventually } from "../e2e/deploy/harness.ts";
import { type RealDeploy, httpFromPod, startRealDeploy, webProcess } from "./deploy-harness.ts";
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
  it("a volume keeps a file across a restart and a new release", async () => {
    const name = await d.newApp();
    await d.apps.update(name, (spec) => ({
      ...spec,
      volumes: [{ name: "data", mountPath: "/data", size: "16Mi" }],
    }));
    // The first pod writes the page once, naming itself; later pods only serve what is there.
    // The shell stays PID 1 and exits on SIGTERM (httpd as PID 1 ignores it), so the old pod
    // stops at once: with a ReadWriteOnce volume the new one starts only after it.
    const serve = "trap 'exit 0' TERM; httpd -f -p $PORT -h /data & wait";
    const writeOnce = `[ -f /data/index.html ] || echo "written by $HOSTNAME" > /data/index.html; ${serve}`;
    await d.releases.deploy(d.request(name, { processes: { web: writeOnce } }), captureOutput(), never);
    const first = await runningPods(name);
    expect(first).toHaveLength(1);
    const page = `written by ${first[0]!.name}\n`;
    expect(await eventually(async () => ((await d.httpThroughService(name)) === page ? "ok" : undefined), "page written", 60_000)).toBe("ok");

    // apps:restart: a new pod (the old one stops first: a ReadWriteOnce volume) on the same claim.
    expect(await createClusterOps({ apis: d.apis }).restart(name)).toEqual(["web"]);
    await eventually(
      async () => {
        const pods = await runningPods(name);
        return pods.length === 1 && pods[0]!.name !== first[0]!.name && pods[0]!.ready;
      },
      "a new pod after the restart",
      90_000,
    );
    // Read from the pod itself: the point is the volume. (Through the Service, twice in CI
    // runs on a loaded machine, the ClusterIP refused connections for over 60 s after this
    // Recreate restart although its EndpointSlice already held the new, ready pod.)
    expect(await eventually(async () => ((await httpFromAppPod(name)) === page ? "ok" : undefined), "page after restart", 60_000)).toBe("ok");

    // A new release whose process only serves the volume.
    const v2 = await d.releases.deploy(
      d.request(name, { processes: { web: serve } }),
      captureOutput(),
      never,
    );
    expect(v2.number).toBe(2);
    await eventually(
      async () => {
        const pods = await runningPods(name);
        return pods.length === 1 && pods[0]!.release === "v2" && pods[0]!.ready;
      },
      "the v2 pod",
      90_000,
    );
    expect(await eventually(async () => ((await httpFromAppPod(name)) === page ? "ok" : undefined), "page after v2", 60_000)).toBe("ok");
  });

  it("apps:logs -f follows real output from the old pod, then the new one, across a rollout", async () => {
    const name = await d.newApp();
    const ticking = (tag: string): string =>
      `(i=0; while :; do i=$((i+1)); echo "${tag} tick $i"; sleep 1; done) & ${webProcess}`;
    await d.releases.deploy(d.request(name, { processes: { web: ticking("v1") } }), captureOutput(), never);

    const lines: AppLogLine[] = [];
    const follow = new AbortController();
    const following = createClusterOps({ apis: d.apis }).logs(name, { follow: true, tail: 2 }, (l) => lines.push(l), follow.signal);
    try {
      // Live lines of the running pod: more ticks than the two of the tail.
      await eventually(() => lines.filter((l) => l.line.startsWith("v1 tick")).length >= 4 || undefined, "v1 lines followed", 30_000);
      const out = captureOutput();
      await d.releases.deploy(d.request(name, { processes: { web: ticking("v2") } }), out, never);
      expect(out.lines).toContain("=====> Released v2");
      await eventually(() => lines.filter((l) => l.line.startsWith("v2 tick")).length >= 3 || undefined, "v2 lines followed", 60_000);
    } finally {
      follow.abort();
      await following;
    }
    const text = lines.map((l) => l.line);
    const firstV2 = text.findIndex((l) => l.startsWith("v2 tick"));
    expect(text.findIndex((l) => l.startsWith("v1 tick"))).toBeLessThan(firstV2);
    // The new pod is followed from its first line, and each line came once, in order.
    const v2 = text.filter((l) => l.startsWith("v2 tick")).map((l) => Number(l.split(" ")[2]));
    expect(v2.slice(0, 3)).toEqual([1, 2, 3]);
    const v1 = text.filter((l) => l.startsWith("v1 tick")).map((l) => Number(l.split(" ")[2]));
    expect(v1).toEqual([...v1].sort((a, b) => a - b));
    expect(new Set(v1).size).toBe(v1.length);
    for (const l of lines) expect(l.source).toMatch(/^web\.\d+$/);
  });
});

/** GET / from the app's newest running pod, at its IP and the web port. */
const httpFromAppPod = (app: string): Promise<string> => httpFromPod(d.apis, appNamespace(app));

/** The app's pods that are not terminating: name, release label, readiness. */
async function runningPods(app: string): Promise<{ name: string; release: string | undefined; ready: boolean }[]> {
  const pods = (await d.apis.pods.list(appNamespace(app))).items.filter((p) => p.metadata?.deletionTimestamp === undefined);
  return pods.map((p) => ({
    name: p.metadata?.name ?? "",
    release: p.metadata?.labels?.[LABEL_RELEASE],
    ready: p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
  }));
}
