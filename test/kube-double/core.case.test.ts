import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, eventually, statusOf, type Target } from "./harness.ts";

let target: Target;
beforeAll(async () => {
  target = await connect();
});
afterAll(async () => {
  await target.close();
});

const cm = (name: string, data: Record<string, string> = { a: "1" }, labels?: Record<string, string>): k8s.V1ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels },
  data,
});

describe("discovery", () => {
  it("serves /version and the group list to kubectl", async () => {
    const out = await target.kubectl(["version", "-o", "json"]);
    expect(JSON.parse(out).serverVersion.major).toBe("1");
    const resources = await target.kubectl(["api-resources", "-o", "name"]);
    expect(resources.split("\n")).toEqual(expect.arrayContaining(["pods", "deployments.apps", "jobs.batch", "ingresses.networking.k8s.io"]));
  });
});

describe("object semantics", () => {
  it("create stamps uid, resourceVersion, creationTimestamp; duplicate is 409 AlreadyExists", async () => {
    const ns = await target.namespace();
    const created = await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("one") });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const err = await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("one") }).catch((e: unknown) => e);
    const s = statusOf(err);
    expect(s).toMatchObject({ kind: "Status", code: 409, reason: "AlreadyExists", details: { name: "one", kind: "configmaps" } });
    expect(s.message).toBe('configmaps "one" already exists');
  });

  it("get of a missing object is 404 NotFound with a Status", async () => {
    const ns = await target.namespace();
    const s = statusOf(await target.core.readNamespacedSecret({ namespace: ns, name: "nope" }).catch((e: unknown) => e));
    expect(s).toMatchObject({ code: 404, reason: "NotFound", message: 'secrets "nope" not found' });
  });

  it("update with a stale resourceVersion is 409 Conflict", async () => {
    const ns = await target.namespace();
    const first = await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("c") });
    await target.core.replaceNamespacedConfigMap({ namespace: ns, name: "c", body: { ...first, data: { a: "2" } } });
    const s = statusOf(await target.core.replaceNamespacedConfigMap({ namespace: ns, name: "c", body: { ...first, data: { a: "3" } } }).catch((e: unknown) => e));
    expect(s).toMatchObject({ code: 409, reason: "Conflict" });
    expect(s.message).toContain("the object has been modified");
  });

  it("generation moves on spec changes only", async () => {
    const ns = await target.namespace();
    const body: k8s.V1Deployment = {
      metadata: { name: "g" },
      spec: { replicas: 0, selector: { matchLabels: { app: "g" } }, template: { metadata: { labels: { app: "g" } }, spec: { containers: [{ name: "c", image: "busybox:1.35" }] } } },
    };
    const d = await target.apps.createNamespacedDeployment({ namespace: ns, body });
    expect(d.metadata?.generation).toBe(1);
    const labelled = await target.apps.patchNamespacedDeployment(
      { namespace: ns, name: "g", body: { metadata: { labels: { x: "y" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    expect(labelled.metadata?.generation).toBe(1);
    const scaled = await target.apps.patchNamespacedDeployment(
      { namespace: ns, name: "g", body: { spec: { replicas: 1 } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    expect(scaled.metadata?.generation).toBe(2);
  });
});

describe("selectors", () => {
  it("filters lists by label and field selectors", async () => {
    const ns = await target.namespace();
    await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("a", {}, { tier: "web", env: "prod" }) });
    await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("b", {}, { tier: "worker", env: "prod" }) });
    await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("c", {}, { tier: "web" }) });
    const names = async (labelSelector?: string, fieldSelector?: string): Promise<string[]> =>
      (await target.core.listNamespacedConfigMap({ namespace: ns, labelSelector, fieldSelector })).items
        .map((i) => i.metadata!.name!)
        .filter((n) => n.length === 1)
        .sort();
    expect(await names("tier=web")).toEqual(["a", "c"]);
    expect(await names("tier==web,env")).toEqual(["a"]);
    expect(await names("tier!=web")).toEqual(["b"]);
    expect(await names("tier in (web, worker),!env")).toEqual(["c"]);
    expect(await names("tier notin (web)")).toEqual(["b"]);
    expect(await names(undefined, "metadata.name=b")).toEqual(["b"]);
    expect(await names(undefined, "metadata.name!=b")).toEqual(["a", "c"]);
  });
});

describe("patch", () => {
  it("strategic merge patch merges containers and env by name; json patch edits by path", async () => {
    const ns = await target.namespace();
    await target.core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "busybox:1.35", env: [{ name: "X", value: "1" }] }, { name: "b", image: "busybox:1.35" }] } },
    });
    const patched = await target.core.patchNamespacedPod(
      { namespace: ns, name: "p", body: { metadata: { labels: { l: "1" } }, spec: { containers: [{ name: "a", image: "busybox:1.37" }] } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.containers.map((c) => [c.name, c.image])).toEqual([["a", "busybox:1.37"], ["b", "busybox:1.35"]]);
    expect(patched.spec?.containers[0]?.env).toEqual([{ name: "X", value: "1" }]);
    const j = await target.core.patchNamespacedPod(
      { namespace: ns, name: "p", body: [{ op: "replace", path: "/metadata/labels/l", value: "2" }] },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    expect(j.metadata?.labels).toEqual({ l: "2" });
  });

  it("server-side apply creates, updates and reports conflicts between managers", async () => {
    const ns = await target.namespace();
    const apply = (manager: string, data: Record<string, string>, force = false): Promise<k8s.KubernetesObject> =>
      target.objects.patch(
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa", namespace: ns }, data },
        undefined, undefined, manager, force, k8s.PatchStrategy.ServerSideApply,
      );
    await apply("one", { a: "1", b: "1" });
    const updated = (await apply("one", { a: "2" })) as k8s.V1ConfigMap;
    expect(updated.data).toEqual({ a: "2" });
    const s = statusOf(await apply("two", { a: "3" }).catch((e: unknown) => e));
    expect(s).toMatchObject({ code: 409, reason: "Conflict" });
    expect(s.details?.causes?.[0]).toMatchObject({ reason: "FieldManagerConflict", field: ".data.a" });
    const forced = (await apply("two", { a: "3" }, true)) as k8s.V1ConfigMap;
    expect(forced.data).toEqual({ a: "3" });
  });
});

describe("watch", () => {
  it("streams ADDED, MODIFIED and DELETED from a resourceVersion", async () => {
    const ns = await target.namespace();
    const list = await target.core.listNamespacedConfigMap({ namespace: ns });
    const events: string[] = [];
    const watch = new k8s.Watch(target.kc);
    const req = await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: list.metadata?.resourceVersion },
      (type: string, obj: k8s.V1ConfigMap) => {
        if (obj.metadata?.name === "w") events.push(`${type}:${obj.data?.a ?? ""}`);
      },
      () => undefined,
    );
    try {
      await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("w", { a: "1" }) });
      await target.core.patchNamespacedConfigMap({ namespace: ns, name: "w", body: { data: { a: "2" } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
      await target.core.deleteNamespacedConfigMap({ namespace: ns, name: "w" });
      await eventually(() => (events.length >= 3 ? true : undefined));
      expect(events).toEqual(["ADDED:1", "MODIFIED:2", "DELETED:2"]);
    } finally {
      req.abort();
    }
  });
});

describe("garbage collection", () => {
  it("deleting an owner deletes its dependents; deleting a namespace empties it", async () => {
    const ns = await target.namespace();
    const owner = await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("owner") });
    await target.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "dep", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! }] }, stringData: { k: "v" } },
    });
    await target.core.deleteNamespacedConfigMap({ namespace: ns, name: "owner", propagationPolicy: "Background" });
    await eventually(async () => {
      const s = await target.core.readNamespacedSecret({ namespace: ns, name: "dep" }).catch((e: unknown) => statusOf(e));
      return "code" in s && s.code === 404 ? true : undefined;
    });
    await target.core.deleteNamespace({ name: ns });
    const phase = await target.core.readNamespace({ name: ns }).then((n) => n.status?.phase, () => "Gone");
    expect(["Terminating", "Gone"]).toContain(phase);
    await eventually(async () => (await target.core.readNamespace({ name: ns }).then(() => undefined, () => true)), 60_000);
  });

  it("an object with someone's finalizer holds its namespace in Terminating until released", async () => {
    const ns = await target.namespace();
    await target.core.createNamespacedConfigMap({ namespace: ns, body: { ...cm("held"), metadata: { name: "held", finalizers: ["test.quickstack.dev/hold"] } } });
    await target.core.deleteNamespace({ name: ns });
    const held = await eventually(async () => {
      const o = await target.core.readNamespacedConfigMap({ namespace: ns, name: "held" });
      return o.metadata?.deletionTimestamp === undefined ? undefined : o;
    }, 60_000);
    expect(held.metadata?.finalizers).toEqual(["test.quickstack.dev/hold"]);
    expect((await target.core.readNamespace({ name: ns })).status?.phase).toBe("Terminating");
    await target.core.replaceNamespacedConfigMap({ namespace: ns, name: "held", body: { ...held, metadata: { ...held.metadata, finalizers: [] } } });
    await eventually(async () => (await target.core.readNamespace({ name: ns }).then(() => undefined, () => true)), 60_000);
  });
});

describe("kubectl", () => {
  it("apply -f, get -o json, scale, delete", async () => {
    const ns = await target.namespace();
    const manifest = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "k-cm", namespace: ns }, data: { a: "1" } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "k-web", namespace: ns },
        spec: { replicas: 1, selector: { matchLabels: { app: "k-web" } }, template: { metadata: { labels: { app: "k-web" } }, spec: { containers: [{ name: "c", image: "busybox:1.35", command: ["sleep", "3600"] }] } } },
      },
    ].map((o) => JSON.stringify(o)).join("\n");
    const applied = await target.kubectl(["apply", "-f", "-"], { input: manifest });
    expect(applied).toContain("configmap/k-cm created");
    expect(applied).toContain("deployment.apps/k-web created");
    const again = await target.kubectl(["apply", "-f", "-"], { input: manifest });
    expect(again).toContain("configmap/k-cm unchanged");
    const cm = JSON.parse(await target.kubectl(["get", "-n", ns, "configmap", "k-cm", "-o", "json"])) as k8s.V1ConfigMap;
    expect(cm.data).toEqual({ a: "1" });
    expect(cm.metadata?.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]).toBeDefined();
    await target.kubectl(["scale", "-n", ns, "deployment/k-web", "--replicas=2"]);
    const d = await target.apps.readNamespacedDeployment({ namespace: ns, name: "k-web" });
    expect(d.spec?.replicas).toBe(2);
    const list = JSON.parse(await target.kubectl(["get", "-n", ns, "deployments", "-l", "app!=nothing", "-o", "json"])) as { items: k8s.V1Deployment[] };
    expect(list.items.map((i) => i.metadata?.name)).toEqual(["k-web"]);
    const deleted = await target.kubectl(["delete", "-n", ns, "configmap", "k-cm"]);
    expect(deleted).toContain('configmap "k-cm" deleted');
    const missing = await target.kubectl(["get", "-n", ns, "configmap", "k-cm"]).catch((e: unknown) => e as { stderr: string });
    expect((missing as { stderr: string }).stderr).toContain('configmaps "k-cm" not found');
  });

  it("create configmap/secret/serviceaccount generators (protobuf bodies)", async () => {
    const ns = await target.namespace();
    await target.kubectl(["create", "configmap", "gen", "-n", ns, "--from-literal=a=b"]);
    await target.kubectl(["create", "secret", "generic", "gen", "-n", ns, "--from-literal=TOKEN=sekrit"]);
    await target.kubectl(["create", "serviceaccount", "gen", "-n", ns]);
    expect((await target.core.readNamespacedConfigMap({ namespace: ns, name: "gen" })).data).toEqual({ a: "b" });
    const secret = await target.core.readNamespacedSecret({ namespace: ns, name: "gen" });
    expect(Buffer.from(secret.data!.TOKEN!, "base64").toString()).toBe("sekrit");
    expect(secret.type).toBe("Opaque");
    expect((await target.core.readNamespacedServiceAccount({ namespace: ns, name: "gen" })).metadata?.name).toBe("gen");
  });

  it("apply --server-side creates and updates with field ownership", async () => {
    const ns = await target.namespace();
    const cm = (v: string): string => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa", namespace: ns }, data: { v } });
    expect(await target.kubectl(["apply", "--server-side", "-f", "-"], { input: cm("1") })).toContain("serverside-applied");
    await target.kubectl(["apply", "--server-side", "-f", "-"], { input: cm("2") });
    const got = JSON.parse(await target.kubectl(["get", "-n", ns, "configmap", "ssa", "-o", "json", "--show-managed-fields"])) as k8s.V1ConfigMap;
    expect(got.data).toEqual({ v: "2" });
    expect(got.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toContainEqual(["kubectl", "Apply"]);
  });

  it("deletes a namespace and waits until it is gone", async () => {
    const ns = await target.namespace();
    await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("inside") });
    await target.kubectl(["delete", "namespace", ns, "--wait=true", "--timeout=60s"]);
    const s = statusOf(await target.core.readNamespace({ name: ns }).catch((e: unknown) => e));
    expect(s.code).toBe(404);
  });
});

describe("informers", () => {
  it("a client-node informer lists, then sees adds, updates and deletes", async () => {
    const ns = await target.namespace();
    await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("before") });
    const seen: string[] = [];
    const informer = k8s.makeInformer(target.kc, `/api/v1/namespaces/${ns}/configmaps`, () => target.core.listNamespacedConfigMap({ namespace: ns }));
    informer.on("add", (o: k8s.V1ConfigMap) => seen.push(`add:${o.metadata!.name!}`));
    informer.on("update", (o: k8s.V1ConfigMap) => seen.push(`update:${o.metadata!.name!}:${o.data?.a ?? ""}`));
    informer.on("delete", (o: k8s.V1ConfigMap) => seen.push(`delete:${o.metadata!.name!}`));
    await informer.start();
    try {
      await target.core.createNamespacedConfigMap({ namespace: ns, body: cm("after") });
      await target.core.replaceNamespacedConfigMap({ namespace: ns, name: "after", body: cm("after", { a: "2" }) });
      await target.core.deleteNamespacedConfigMap({ namespace: ns, name: "before" });
      await eventually(() => (seen.includes("delete:before") ? true : undefined));
      expect(seen.filter((s) => !s.includes("kube-root-ca"))).toEqual(["add:before", "add:after", "update:after:2", "delete:before"]);
      expect(informer.list(ns).map((o) => o.metadata!.name).filter((n) => n !== "kube-root-ca.crt")).toEqual(["after"]);
    } finally {
      await informer.stop();
    }
  });
});

describe("watch lifecycle", () => {
  it("the server ends a watch after timeoutSeconds", async () => {
    const ended = await new Promise<string>((resolve) => {
      void new k8s.Watch(target.kc).watch("/api/v1/namespaces", { timeoutSeconds: 1 }, () => undefined, (err) => resolve(err ? String(err) : "ended"));
    });
    expect(ended).toBe("ended");
  });
});
