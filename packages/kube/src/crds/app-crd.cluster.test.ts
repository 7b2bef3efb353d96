import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewAppName } from "@qs/core";
import { eventually } from "../../../../test/e2e/deploy/harness.ts";
import { createAppStore } from "../app-store.ts";
import { type KubeApis, createKubeApis } from "../apis.ts";
import { loadKubeConnection } from "../rest/connection.ts";
import { appObjects } from "../resources/app-object.ts";
import { installCrds } from "./install.ts";

// The real API server is the judge of a CRD: it must accept the additive review-app and
// source fields, keep them (a structural schema prunes what it does not declare), and
// refuse what the schema forbids.
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
let apis: KubeApis;
const created: string[] = [];

beforeAll(async () => {
  apis = createKubeApis(loadKubeConnection(kubeconfig));
  await installCrds(apis);
});
afterAll(async () => {
  const apps = createAppStore(apis);
  await Promise.allSettled(created.map((n) => apps.destroy(n)));
  apis.rest.close();
});

describe("App CRD on the real API server", () => {
  it("stores previews, preview and source as given", async () => {
    const apps = createAppStore(apis);
    const parent = `crd-${randomUUID().slice(0, 8)}`;
    const preview = previewAppName(parent, "feature/login");
    created.push(parent, preview);
    const spec = {
      previews: { ttlSeconds: 3600, limit: 5, addons: "none" as const, configFrom: parent },
      source: { url: "https://git.example.com/team/shop.git", branch: "main", deployKeySecret: `${parent}-deploy-key` },
    };
    // A CRD update takes a moment to reach the API server's handlers.
    await eventually(async () => {
      await apps.create(parent, "alice", spec).catch(async (err: unknown) => {
        if (!(await apps.exists(parent))) throw err;
      });
      const got = await apps.get(parent);
      if (got.spec.previews === undefined) await apps.destroy(parent);
      return got.spec.previews !== undefined && got.spec.source !== undefined;
    }, "the new App fields to be kept", 30_000);
    expect((await apps.get(parent)).spec).toMatchObject(spec);

    const origin = { parent, branch: "feature/login", lastPushAt: "2026-01-02T03:04:05Z" };
    await apps.create(preview, "alice", { deployBranch: "feature/login", preview: origin });
    expect((await apps.get(preview)).spec.preview).toEqual(origin);
  });

  it("refuses a source that is not https/ssh/file and an add-ons mode that does not exist", async () => {
    const name = `crd-${randomUUID().slice(0, 8)}`;
    created.push(name);
    const apps = createAppStore(apis);
    await apps.create(name, "alice");
    const obj = await appObjects(apis).read(`qs-app-${name}`, name);
    const put = (spec: object) => appObjects(apis).replace(obj.metadata.namespace, name, { ...obj, spec: { ...obj.spec, ...spec } });
    await expect(put({ source: { url: "http://plain.example.com/x.git", branch: "main" } })).rejects.toThrow(/spec.source.url/);
    await expect(put({ previews: { ttlSeconds: 3600, limit: 5, addons: "all" } })).rejects.toThrow(/spec.previews.addons/);
  });
});
