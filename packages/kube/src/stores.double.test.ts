import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppNotFoundError, ConflictError } from "@qs/core";
import { type DeployHarness, eventually, startDeployHarness } from "../../../test/e2e/deploy/harness.ts";
import { configHash } from "./hash.ts";
import { createReleaseStore } from "./release-store.ts";

let h: DeployHarness;
beforeAll(async () => {
  h = await startDeployHarness();
});
afterAll(async () => {
  await h.close();
});

describe("AppStore", () => {
  it("creates the namespace, the App and its config Secret owned by the App", async () => {
    const name = h.appName("store");
    const app = await h.apps.create(name, "alice");
    expect(app.name).toBe(name);
    expect(app.spec.deployBranch).toBe("main");
    const ns = await h.apis.namespaces.read(`qs-app-${name}`);
    expect(ns.metadata?.labels?.["quickstack.dev/app"]).toBe(name);
    const secret = await h.apis.secrets.read(`qs-app-${name}`, `${name}-config`);
    expect(secret.metadata?.ownerReferences?.[0]?.kind).toBe("App");
    expect(await h.apps.exists(name)).toBe(true);
    expect((await h.apps.list()).map((a) => a.name)).toContain(name);
    await expect(h.apps.create(name, "bob")).rejects.toBeInstanceOf(ConflictError);
  });

  it("updates the spec and throws AppNotFoundError for unknown apps", async () => {
    const name = h.appName("store");
    await h.apps.create(name, "alice");
    const app = await h.apps.update(name, (s) => ({ ...s, domains: ["shop.example.com"] }));
    expect(app.spec.domains).toEqual(["shop.example.com"]);
    await expect(h.apps.get(`${name}-nope`)).rejects.toBeInstanceOf(AppNotFoundError);
  });

  it("keeps every one of several concurrent spec edits (409 retry)", async () => {
    const name = h.appName("store");
    await h.apps.create(name, "alice");
    await Promise.all(
      ["a", "b", "c", "d"].map((d) => h.apps.update(name, (s) => ({ ...s, domains: [...s.domains, `${d}.example.com`] }))),
    );
    expect([...(await h.apps.get(name)).spec.domains].sort()).toEqual(["a.example.com", "b.example.com", "c.example.com", "d.example.com"]);
  });

  it("destroys the App and its namespace", async () => {
    const name = h.appName("store");
    await h.apps.create(name, "alice");
    await h.apps.destroy(name);
    await eventually(async () => !(await h.apps.exists(name)), "app gone");
    await expect(h.apps.destroy(name)).rejects.toBeInstanceOf(AppNotFoundError);
  });
});

describe("ConfigStore", () => {
  it("keeps both of two concurrent edits on different keys (409 retry)", async () => {
    const name = h.appName("config");
    await h.apps.create(name, "alice");
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => h.config.update(name, (vars) => ({ ...vars, [`KEY_${i}`]: `value-${i}` }))),
    );
    const vars = await h.config.get(name);
    expect(Object.keys(vars).sort()).toEqual(["KEY_0", "KEY_1", "KEY_2", "KEY_3", "KEY_4", "KEY_5"]);
    const { hash } = await h.config.update(name, (v) => v);
    expect(hash).toBe(configHash(vars));
  });
});

describe("ReleaseStore", () => {
  it("numbers concurrent releases v1…vN without gaps or duplicates", async () => {
    const name = h.appName("rel");
    const app = await h.apps.create(name, "alice");
    const obj = await h.apis.custom("quickstack.dev/v1alpha1", "apps").read(`qs-app-${name}`, name) as { metadata: { uid: string } };
    const store = createReleaseStore(h.apis);
    const made = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        store.create(app.name, obj.metadata.uid, { image: "img@sha256:1", processes: {}, author: "a", description: `d${i}` }, { A: String(i) }),
      ),
    );
    expect(made.map((r) => r.number).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await store.list(name)).map((r) => r.number)).toEqual([5, 4, 3, 2, 1]);
    const r = made.find((m) => m.description === "d3")!;
    expect(await store.vars(name, r.number)).toEqual({ A: "3" });
    expect(r.configHash).toBe(configHash({ A: "3" }));
  });
});
