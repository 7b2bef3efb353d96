import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "@qs/core";
import { createReconciler, createReleaseStore } from "@qs/kube";
import { silentLogger } from "@qs/core";
import { type DeployHarness, eventually, reconcilerOptions, startDeployHarness } from "./harness.ts";

// The reconciler alone: what it renders, prunes and repairs. Releases are made with the
// store and switched by editing the App spec, as ReleaseManager does.

let h: DeployHarness;
beforeAll(async () => {
  h = await startDeployHarness();
});
afterAll(async () => {
  await h.close();
});

async function appWithRelease(processes: Record<string, string>): Promise<{ name: string; ns: string }> {
  const name = h.appName("rec");
  await h.apps.create(name, "alice");
  await setRelease(name, processes);
  return { name, ns: appNamespace(name) };
}

async function setRelease(name: string, processes: Record<string, string>): Promise<number> {
  const obj = (await h.apis.custom("quickstack.dev/v1alpha1", "apps").read(appNamespace(name), name)) as { metadata: { uid: string } };
  const release = await createReleaseStore(h.apis).create(name, obj.metadata.uid, { image: "img@sha256:1", processes, author: "a", description: "test" }, {});
  await h.apps.update(name, (s) => ({
    ...s,
    processes: Object.fromEntries(Object.keys(processes).map((p) => [p, s.processes[p] ?? { replicas: 1 }])),
    release: release.number,
  }));
  return release.number;
}

const deploymentNames = async (ns: string): Promise<string[]> =>
  (await h.apis.deployments.list(ns)).items.map((d) => d.metadata!.name!).sort();

describe("reconciler", () => {
  it("renders Deployments, Service, Ingress and NetworkPolicy for a release (schema-valid, owned)", async () => {
    const { name, ns } = await appWithRelease({ web: "npm start", worker: "node w.js" });
    await eventually(async () => (await deploymentNames(ns)).length === 2, "deployments");
    expect(await deploymentNames(ns)).toEqual([`${name}-web`, `${name}-worker`]);
    const svc = await eventually(() => h.apis.services.read(ns, `${name}-web`), "service");
    expect(svc.metadata?.ownerReferences?.[0]?.name).toBe(name);
    const ing = await eventually(() => h.apis.ingresses.read(ns, name), "ingress");
    expect(ing.spec?.rules?.map((r) => r.host)).toEqual([`${name}.qs.test`]);
    const np = await eventually(() => h.apis.networkPolicies.read(ns, `${name}-isolation`), "netpol");
    expect(np.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    const app = await eventually(async () => {
      const a = await h.apps.get(name);
      return a.status.observedGeneration !== undefined && a.status.conditions.length === 3 ? a : undefined;
    }, "status");
    expect(app.status.conditions.map((c) => c.type)).toEqual(["Ready", "Progressing", "Degraded"]);
  });

  it("prunes the Deployment of a removed process type, and web objects when web goes", async () => {
    const { name, ns } = await appWithRelease({ web: "a", worker: "b" });
    await eventually(async () => (await deploymentNames(ns)).length === 2, "two deployments");
    await setRelease(name, { web: "a" });
    await eventually(async () => (await deploymentNames(ns)).join() === `${name}-web`, "worker pruned");
    await setRelease(name, { worker: "b" });
    await eventually(async () => (await deploymentNames(ns)).join() === `${name}-worker`, "web pruned");
    await eventually(async () => (await h.apis.services.list(ns)).items.length === 0, "service pruned");
    await eventually(async () => (await h.apis.ingresses.list(ns)).items.length === 0, "ingress pruned");
  });

  it("prunes removed domains and volumes", async () => {
    const { name, ns } = await appWithRelease({ web: "a" });
    await h.apps.update(name, (s) => ({ ...s, domains: ["a.example.com", "b.example.com"], volumes: [{ name: "data", mountPath: "/data", size: "1Gi" }] }));
    await eventually(async () => (await h.apis.ingresses.read(ns, name)).spec?.rules?.length === 3, "3 hosts");
    await eventually(() => h.apis.persistentVolumeClaims.read(ns, `${name}-vol-data`), "pvc");
    expect((await h.apis.deployments.read(ns, `${name}-web`)).spec?.strategy?.type).toBe("Recreate");
    await h.apps.update(name, (s) => ({ ...s, domains: ["b.example.com"], volumes: [] }));
    await eventually(async () => (await h.apis.ingresses.read(ns, name)).spec?.rules?.map((r) => r.host).join() === `${name}.qs.test,b.example.com`, "domain pruned");
    await eventually(async () => (await h.apis.persistentVolumeClaims.list(ns)).items.every((p) => p.metadata?.deletionTimestamp !== undefined), "pvc pruned");
  });

  it("destroying the app removes everything rendered for it", async () => {
    const { name, ns } = await appWithRelease({ web: "a" });
    await eventually(async () => (await deploymentNames(ns)).length === 1, "deployment");
    await h.apps.destroy(name);
    await eventually(async () => {
      try {
        return (await h.apis.deployments.list(ns)).items.length === 0;
      } catch {
        return true; // the namespace itself is gone
      }
    }, "deployments gone");
    // Foreground deletion: the App itself goes once every object it owns is gone.
    await eventually(async () => !(await h.apps.exists(name)), "app gone");
  });

  it("repairs a deleted Service on resync", async () => {
    const { name, ns } = await appWithRelease({ web: "a" });
    const first = await eventually(() => h.apis.services.read(ns, `${name}-web`), "service");
    await h.apis.services.delete(ns, `${name}-web`);
    const again = await eventually(async () => {
      const s = await h.apis.services.read(ns, `${name}-web`);
      return s.metadata?.uid !== first.metadata?.uid ? s : undefined;
    }, "service back");
    expect(again.spec?.selector).toEqual(first.spec?.selector);
  });

  it("touches nothing of an unchanged app after a restart", async () => {
    const { name, ns } = await appWithRelease({ web: "a", worker: "b" });
    await eventually(async () => (await deploymentNames(ns)).length === 2, "deployments");
    await eventually(async () => (await h.reconciler.reconcile(name)).created === 0, "settled");
    const before = (await h.apis.deployments.list(ns)).items.map((d) => [d.metadata?.name, d.metadata?.generation]);
    await h.restartReconciler();
    const result = await h.reconciler.reconcile(name);
    expect(result).toEqual({ created: 0, updated: 0, pruned: 0 });
    const after = (await h.apis.deployments.list(ns)).items.map((d) => [d.metadata?.name, d.metadata?.generation]);
    expect(after).toEqual(before);
  });

  it("re-establishes dropped watches (no resync to fall back on)", async () => {
    const { name, ns } = await appWithRelease({ web: "a" });
    await eventually(() => h.apis.ingresses.read(ns, name), "ingress");
    await h.reconciler.close();
    const slow = createReconciler({ apis: h.apis, logger: silentLogger, options: { ...reconcilerOptions, resyncIntervalMs: 600_000 } });
    h.double.setFaults({ dropWatchesAfterMs: 200 });
    try {
      await slow.start();
      await new Promise((r) => setTimeout(r, 1000)); // several drops and reconnects
      await h.apps.update(name, (s) => ({ ...s, domains: ["late.example.com"] }));
      await eventually(
        async () => (await h.apis.ingresses.read(ns, name)).spec?.rules?.length === 2,
        "ingress updated through a re-established watch",
        8000,
      );
    } finally {
      h.double.setFaults({});
      await slow.close();
      await h.restartReconciler();
    }
  });

  it("with owns, looks after its own apps only and leaves the others alone", async () => {
    await h.reconciler.close();
    const mine = h.appName("own");
    const theirs = h.appName("other");
    const scoped = createReconciler({ apis: h.apis, logger: silentLogger, options: { ...reconcilerOptions, resyncIntervalMs: 300, owns: (app) => app === mine } });
    try {
      await scoped.start();
      for (const name of [mine, theirs]) {
        await h.apps.create(name, "alice");
        await setRelease(name, { web: "a" });
      }
      await eventually(() => h.apis.deployments.read(appNamespace(mine), `${mine}-web`), "own app rendered");
      await new Promise((r) => setTimeout(r, 1000)); // events and several resyncs have come and gone
      expect((await h.apis.deployments.list(appNamespace(theirs))).items).toEqual([]);
    } finally {
      await scoped.close();
      await h.restartReconciler();
    }
    await eventually(() => h.apis.deployments.read(appNamespace(theirs), `${theirs}-web`), "the other app, by the usual reconciler");
  });
});
