import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelledError, DeployFailedError, type DeployRequest, appNamespace } from "@qs/core";
import { appCrd } from "@qs/kube";
import { type DeployHarness, captureOutput, eventually, script, startDeployHarness } from "./harness.ts";

// Whole deploy flows through ReleaseManager + reconciler against the API double, whose
// simulated kubelet runs containers as scripted per image name.

let h: DeployHarness;
beforeAll(async () => {
  h = await startDeployHarness();
});
afterAll(async () => {
  await h.close();
});

const never = new AbortController().signal;

function request(app: string, image: string, extra: Partial<DeployRequest> = {}): DeployRequest {
  return {
    app,
    image,
    gitSha: "abc1234abc1234",
    // One process keeps the simulated rollouts short; tests that need more say so.
    processes: { web: "serve" },
    author: "alice",
    description: `Deploy ${image}`,
    ...extra,
  };
}

async function newApp(): Promise<{ name: string; ns: string }> {
  const name = h.appName("dep");
  await h.apps.create(name, "alice");
  return { name, ns: appNamespace(name) };
}

const templateOf = async (ns: string, name: string) =>
  (await h.apis.deployments.read(ns, name)).spec!.template;

describe("deploy", () => {
  it("first deploy: creates v1, streams progress, and the App says Ready", async () => {
    const { name } = await newApp();
    const out = captureOutput();
    const release = await h.releases.deploy(request(name, `good-${name}:v1`, { processes: { web: "serve", worker: "work" } }), out, never);
    expect(release.number).toBe(1);
    expect(out.lines).toContain("       web: 1/1 ready");
    expect(out.lines).toContain("=====> Released v1");
    const app = await eventually(async () => {
      const a = await h.apps.get(name);
      return a.status.currentRelease === 1 && a.status.conditions.some((c) => c.type === "Ready" && c.status === "True") ? a : undefined;
    }, "app ready");
    expect(app.status.processes).toEqual({ web: { ready: 1, desired: 1 }, worker: { ready: 1, desired: 1 } });
    // `kubectl get apps -A` prints the CRD's printer columns: evaluate their JSONPaths here
    // (the double's Table output has only NAME and AGE).
    const obj = await h.apis.custom("quickstack.dev/v1alpha1", "apps").read(appNamespace(name), name);
    const columns = appCrd().spec.versions[0]!.additionalPrinterColumns;
    const cells = Object.fromEntries(columns.map((c) => [c.name, c.jsonPath.split(".").slice(1).reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj)]));
    expect(cells).toMatchObject({ Release: 1, Ready: "2/2", Status: "Ready" });
    expect(await kubectl(["get", "apps", "-A", "-o", "name"])).toContain(`app.quickstack.dev/${name}`);
  });

  it("redeploy: v2 replaces v1's pods with the new image", async () => {
    const { name, ns } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    const v2 = await h.releases.deploy(request(name, `good-${name}:v2`), captureOutput(), never);
    expect(v2.number).toBe(2);
    expect((await templateOf(ns, `${name}-web`)).spec!.containers[0]!.image).toBe(`good-${name}:v2`);
    const pods = (await h.apis.pods.list(ns, { labelSelector: "quickstack.dev/process=web" })).items;
    await eventually(async () => {
      const live = (await h.apis.pods.list(ns, { labelSelector: "quickstack.dev/process=web" })).items;
      return live.every((p) => p.spec?.containers[0]?.image === `good-${name}:v2`);
    }, "old pods gone");
    expect(pods.length).toBeGreaterThan(0);
    expect((await h.releases.list(name)).map((r) => r.number)).toEqual([2, 1]);
  });

  it("config change: a new release rolls the pods; values stay out of the pod spec", async () => {
    const { name, ns } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    const before = await templateOf(ns, `${name}-web`);
    await h.config.update(name, (v) => ({ ...v, DATABASE_URL: "postgres://secret@db/shop" }));
    const out = captureOutput();
    const v2 = await h.releases.reconfigure(name, "alice", "Set DATABASE_URL", out);
    expect(v2?.number).toBe(2);
    expect(v2?.description).toBe("Set DATABASE_URL");
    const after = await templateOf(ns, `${name}-web`);
    expect(after.metadata!.annotations!["quickstack.dev/config-hash"]).not.toBe(before.metadata!.annotations!["quickstack.dev/config-hash"]);
    expect(after.spec!.containers[0]!.envFrom).toEqual([{ secretRef: { name: `${name}-v2-env` } }]);
    const deployments = JSON.stringify(await h.apis.deployments.list(ns));
    expect(deployments).not.toContain("postgres://");
    expect(out.text()).not.toContain("postgres://");
    const env = await h.apis.secrets.read(ns, `${name}-v2-env`);
    expect(Buffer.from(env.data!.DATABASE_URL!, "base64").toString()).toBe("postgres://secret@db/shop");
  });

  it("scale change: replicas change without a new release or rollout", async () => {
    const { name, ns } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    const before = await templateOf(ns, `${name}-web`);
    await h.apps.update(name, (s) => ({ ...s, processes: { ...s.processes, web: { replicas: 3 } } }));
    await eventually(async () => (await h.apps.get(name)).status.processes?.web?.ready === 3, "3 web pods ready");
    expect(await templateOf(ns, `${name}-web`)).toEqual(before);
    expect((await h.releases.list(name)).length).toBe(1);
  });

  it("crash-looping release: rolls back automatically and shows why, with the crash log", async () => {
    const { name, ns } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    script(h, `crash-${name}`, {
      logs: ["booting", "Error: DATABASE_URL is not set"],
      exitAfterMs: 50,
      exitCode: 3,
    });
    const out = captureOutput();
    const err = await h.releases.deploy(request(name, `crash-${name}:v2`), out, never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeployFailedError);
    const message = (err as Error).message;
    expect(message).toContain("CrashLoopBackOff");
    expect(message).toContain("exit code 3");
    expect(message).toContain("Error: DATABASE_URL is not set");
    expect(message).toContain("rolled back to v1");
    expect((await h.apps.get(name)).spec.release).toBe(1);
    await eventually(async () => (await templateOf(ns, `${name}-web`)).spec!.containers[0]!.image === `good-${name}:v1`, "template back on v1");
    await eventually(async () => {
      const a = await h.apps.get(name);
      return a.status.currentRelease === 1 && a.status.conditions.some((c) => c.type === "Ready" && c.status === "True");
    }, "v1 serving again");
  });

  it("image that cannot be pulled: rolls back with ImagePullBackOff", async () => {
    const { name } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    script(h, `missing-${name}`, { imagePullError: true });
    const err = await h.releases.deploy(request(name, `missing-${name}:v2`), captureOutput(), never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployFailedError);
    expect((err as Error).message).toContain("ImagePullBackOff");
    expect((await h.apps.get(name)).spec.release).toBe(1);
  });

  it("never-ready release: progress deadline, rollback, and the reason is failed readiness", async () => {
    const { name } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    script(h, `unready-${name}`, { readyAfterMs: false, logs: ["listening on 8080 (not $PORT)"] });
    const err = await h.releases.deploy(request(name, `unready-${name}:v2`), captureOutput(), never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployFailedError);
    const message = (err as Error).message;
    expect(message).toContain("failed readiness");
    expect(message).toContain("listening on 8080 (not $PORT)");
    expect(message).toContain("rolled back to v1");
    expect((await h.apps.get(name)).spec.release).toBe(1);
  });

  it("release phase failure: stops before rollout, the running release is untouched", async () => {
    const { name, ns } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    script(h, `migrate-${name}`, { logs: ["migrating", "ERROR: relation users does not exist"], exitAfterMs: 50, exitCode: 2 });
    const out = captureOutput();
    const err = await h.releases
      .deploy(request(name, `migrate-${name}:v2`, { releaseCommand: "npm run migrate" }), out, never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployFailedError);
    expect((err as Error).message).toContain("release command failed with exit code 2");
    expect(out.text()).toContain("ERROR: relation users does not exist");
    expect((await h.apps.get(name)).spec.release).toBe(1);
    expect((await templateOf(ns, `${name}-web`)).spec!.containers[0]!.image).toBe(`good-${name}:v1`);
    expect((await h.releases.get(name, 2)).releasePhase).toBe("Failed");
  });

  it("release phase success: runs the command as a Job, then rolls out", async () => {
    const { name } = await newApp();
    // Scripts are per image, so the release Job runs the unscripted default here (exit 0).
    const out = captureOutput();
    const r = await h.releases.deploy(request(name, `good-${name}:v1`, { releaseCommand: "npm run migrate", processes: { worker: "work" } }), out, never);
    expect(out.text()).toContain("Running release command: npm run migrate");
    expect(r.releasePhase).toBe("Succeeded");
    const job = await h.apis.jobs.read(appNamespace(name), `${name}-release-v1`);
    expect(job.spec?.template.spec?.containers[0]?.command).toEqual(["/bin/sh", "-c", "npm run migrate"]);
  });

  it("rollback to an older release: a new release with its image and config", async () => {
    const { name, ns } = await newApp();
    await h.config.update(name, () => ({ MODE: "old" }));
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    await h.config.update(name, () => ({ MODE: "new" }));
    await h.releases.deploy(request(name, `good-${name}:v2`), captureOutput(), never);
    const r = await h.releases.rollback(name, 1, "bob", captureOutput());
    expect(r).toMatchObject({ number: 3, image: `good-${name}:v1`, description: "Rollback to v1", author: "bob" });
    expect(r.configHash).toBe((await h.releases.get(name, 1)).configHash);
    expect(await h.config.get(name)).toEqual({ MODE: "old" });
    expect((await templateOf(ns, `${name}-web`)).spec!.containers[0]!.image).toBe(`good-${name}:v1`);
  });

  it("removing a process type prunes its Deployment", async () => {
    const { name, ns } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`, { processes: { web: "serve", worker: "work" } }), captureOutput(), never);
    expect((await h.apis.deployments.list(ns)).items.length).toBe(2);
    await h.releases.deploy(request(name, `good-${name}:v2`, { processes: { web: "serve" } }), captureOutput(), never);
    await eventually(async () => (await h.apis.deployments.list(ns)).items.length === 1, "worker pruned");
  });

  it("a control-plane restart mid-rollout finishes the rollout and causes no extra one", async () => {
    const { name, ns } = await newApp();
    await h.apps.update(name, (s) => ({ ...s, processes: { web: { replicas: 3 } } }));
    await h.releases.deploy(request(name, `good-${name}:v1`, { processes: { web: "serve" } }), captureOutput(), never);
    const generation = (await h.apis.deployments.read(ns, `${name}-web`)).metadata!.generation!;
    script(h, `slow-${name}`, { readyAfterMs: 400 });
    const out = captureOutput();
    const deploying = h.releases.deploy(request(name, `slow-${name}:v2`, { processes: { web: "serve" } }), out, never);
    await eventually(() => out.lines.some((l) => l.includes("web: 1/3 ready")) || out.lines.some((l) => l.includes("web: 0/3")), "rollout started");
    await h.restartReconciler();
    const r = await deploying;
    expect(r.number).toBe(2);
    const d = await h.apis.deployments.read(ns, `${name}-web`);
    expect(d.metadata!.generation).toBe(generation + 1);
    const rs = (await h.apis.custom<{ metadata?: { name?: string; annotations?: Record<string, string> } }>("apps/v1", "replicasets").list(ns)).items;
    expect(rs.length).toBe(2);
  });

  it("two concurrent config changes both survive into the last release", async () => {
    const { name, ns } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    await Promise.all(
      ["A", "B"].map(async (k) => {
        await h.config.update(name, (v) => ({ ...v, [k]: k.toLowerCase() }));
        await h.releases.reconfigure(name, "alice", `Set ${k}`, captureOutput());
      }),
    );
    const latest = (await h.releases.list(name))[0]!;
    expect(latest.number).toBe(3);
    const env = await h.apis.secrets.read(ns, `${name}-v3-env`);
    expect(Object.keys(env.data ?? {}).sort()).toEqual(["A", "B"]);
    expect((await h.apps.get(name)).spec.release).toBe(3);
  });

  it("aborting mid-rollout puts the previous release back", async () => {
    const { name, ns } = await newApp();
    await h.releases.deploy(request(name, `good-${name}:v1`), captureOutput(), never);
    script(h, `stuck-${name}`, { readyAfterMs: false });
    const abort = new AbortController();
    const out = captureOutput();
    const deploying = h.releases.deploy(request(name, `stuck-${name}:v2`), out, abort.signal).catch((e: unknown) => e);
    await eventually(() => out.lines.some((l) => l.includes("Waiting for v2")), "rollout started");
    abort.abort();
    expect(await deploying).toBeInstanceOf(CancelledError);
    expect((await h.apps.get(name)).spec.release).toBe(1);
    await eventually(async () => (await templateOf(ns, `${name}-web`)).spec!.containers[0]!.image === `good-${name}:v1`, "v1 template");
  });
});

async function kubectl(args: string[]): Promise<string> {
  const { execFile } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    execFile("/usr/bin/kubectl", ["--kubeconfig", h.double.kubeconfigPath, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(stdout),
    );
  });
}
