import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.ts";
import { startKubeDouble, type KubeDouble, type KubeObject } from "./src/index.ts";
import { eventually } from "./harness.ts";

// Dev mode keeps the double's objects in a state file (stateFile) so that restarting
// `npm run dev` keeps apps, users and tokens, as a real cluster keeps them in etcd.

const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.dev" },
  spec: {
    group: "example.dev",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [{ name: "v1", served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
  },
} as unknown as KubeObject;

let dir: Awaited<ReturnType<typeof tempDir>>;
let stateFile: string;
const doubles: KubeDouble[] = [];
beforeEach(async () => {
  dir = await tempDir("qs-kd-state-");
  stateFile = join(dir.path, ".qs", "kube-double.json");
});
afterEach(async () => {
  await Promise.allSettled(doubles.splice(0).map((d) => d.close()));
  await dir.remove();
});

async function start(): Promise<KubeDouble> {
  const d = await startKubeDouble({ stateFile, timings: { podTerminationMs: 0 } });
  doubles.push(d);
  return d;
}

describe("a double with a state file", () => {
  it("has its objects back after a restart, served and reconciled, with resourceVersions that keep growing", async () => {
    const first = await start();
    expect(first.restoredObjects).toBe(0);
    const t = (v: string, k: string) => first.type(v, k);
    first.api.create(t("v1", "Namespace"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } } as KubeObject, undefined);
    const secret = first.api.create(t("v1", "Secret"), { apiVersion: "v1", kind: "Secret", metadata: { name: "users" }, data: { ada: "c2VjcmV0" } } as unknown as KubeObject, "shop");
    first.api.create(t("apiextensions.k8s.io/v1", "CustomResourceDefinition"), CRD, undefined);
    await eventually(() => (first.list("apiextensions.k8s.io/v1", "CustomResourceDefinition")[0]?.status ? true : undefined));
    const widget = first.api.create(first.type("example.dev/v1", "Widget"), { apiVersion: "example.dev/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: 3 } } as unknown as KubeObject, "shop");
    first.api.create(t("apps/v1", "Deployment"), {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "shop:1" }] } } },
    } as unknown as KubeObject, "shop");
    await eventually(() => ((first.find("apps/v1", "Deployment", "shop", "web")?.status as { readyReplicas?: number } | undefined)?.readyReplicas === 1 ? true : undefined));
    const lastRv = first.api.store.rv;
    await first.close();
    // Written atomically with owner-only permissions: it holds the cluster's Secrets.
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(stateFile, "utf8")).not.toContain('"kind":"Pod"');

    const second = await start();
    expect(second.restoredObjects).toBeGreaterThan(5);
    expect(second.find("v1", "Secret", "shop", "users")).toMatchObject({ data: { ada: "c2VjcmV0" }, metadata: { uid: secret.metadata.uid, resourceVersion: secret.metadata.resourceVersion } });
    expect(second.find("example.dev/v1", "Widget", "shop", "w1")).toMatchObject({ spec: { size: 3 }, metadata: { uid: widget.metadata.uid } });
    // The CRD is served again over HTTP, and the deployment's pod runs again.
    const kc = new k8s.KubeConfig();
    kc.loadFromString(second.kubeconfigYaml);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const listed = (await custom.listNamespacedCustomObject({ group: "example.dev", version: "v1", namespace: "shop", plural: "widgets" })) as { items: KubeObject[] };
    expect(listed.items.map((i) => i.metadata.name)).toEqual(["w1"]);
    await eventually(() => (second.list("v1", "Pod", "shop").some((p) => (p.status as { phase?: string } | undefined)?.phase === "Running") ? true : undefined));
    expect(second.list("v1", "Node").map((n) => n.metadata.name)).toEqual(["node-1"]);
    // resourceVersions never go back: the next write is above everything the first run wrote.
    const updated = second.api.mutate(second.type("v1", "Secret"), "shop", "users", (o) => {
      (o as unknown as { data: Record<string, string> }).data.bob = "eA==";
    });
    expect(Number(updated?.metadata.resourceVersion)).toBeGreaterThan(lastRv);
    await second.close();
    const third = await start();
    expect(third.find("v1", "Secret", "shop", "users")).toMatchObject({ data: { ada: "c2VjcmV0", bob: "eA==" } });
  });

  it("writes changes without waiting for close (a crash keeps what was written)", async () => {
    const d = await start();
    d.api.create(d.type("v1", "Namespace"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "early" } } as KubeObject, undefined);
    await eventually(() => (existsSync(stateFile) && readFileSync(stateFile, "utf8").includes('"name":"early"') ? true : undefined), 5_000);
  });

  it("refuses a state file it cannot read, saying what to do, before it starts anything", async () => {
    const broken = join(dir.path, "broken.json");
    writeFileSync(broken, "{ not json");
    await expect(startKubeDouble({ stateFile: broken })).rejects.toThrow(/broken\.json is not valid JSON.*--fresh/);
    writeFileSync(broken, JSON.stringify({ format: 99, objects: [] }));
    await expect(startKubeDouble({ stateFile: broken })).rejects.toThrow(/not in format 1.*--fresh/);
  });
});
