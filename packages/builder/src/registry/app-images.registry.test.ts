import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { capBuildCache, hasAppImage, removeAppImages } from "./app-images.ts";
import { createRegistryClient } from "./registry-client.ts";
import { pushTinyImage } from "./tiny-image.ts";

const REGISTRY = process.env.QS_TEST_REGISTRY_URL ?? "";

describe("removeAppImages against a real docker-registry", () => {
  it("deletes the app's images and build cache, and nothing of another app", async () => {
    const app = `gone-${randomUUID().slice(0, 8)}`;
    const other = `kept-${randomUUID().slice(0, 8)}`;
    await pushTinyImage(REGISTRY, app, "v1", "2026-01-01T00:00:00Z");
    await pushTinyImage(REGISTRY, app, "v2", "2026-01-02T00:00:00Z");
    await pushTinyImage(REGISTRY, `${app}/cache`, "layer-a", "2026-01-03T00:00:00Z");
    const kept = await pushTinyImage(REGISTRY, other, "v1", "2026-01-04T00:00:00Z");
    const registry = createRegistryClient({ url: REGISTRY });

    expect(await removeAppImages(registry, app)).toEqual({ deleted: 3 });
    expect(await registry.listImages(app)).toEqual([]);
    expect(await registry.listImages(`${app}/cache`)).toEqual([]);
    expect(await registry.manifestExists(other, kept)).toBe(true);
    // Again (a retried destroy), and for an app that never built: nothing to do.
    expect(await removeAppImages(registry, app)).toEqual({ deleted: 0 });
    expect(await removeAppImages(registry, `never-${randomUUID().slice(0, 8)}`)).toEqual({ deleted: 0 });
  });

  it("empties an app's build cache once it holds more than the limit, and only then", async () => {
    const app = `cached-${randomUUID().slice(0, 8)}`;
    for (const key of ["k1", "k2", "k3"]) await pushTinyImage(REGISTRY, `${app}/cache`, key, `2026-01-0${key.slice(1)}T00:00:00Z`);
    const release = await pushTinyImage(REGISTRY, app, "v1", "2026-01-09T00:00:00Z");
    const registry = createRegistryClient({ url: REGISTRY });
    expect(await capBuildCache(registry, app, 3)).toBe(0);
    expect(await registry.listTags(`${app}/cache`)).toHaveLength(3);
    expect(await capBuildCache(registry, app, 2)).toBe(3);
    expect(await registry.listImages(`${app}/cache`)).toEqual([]);
    // The tags went with their manifests, so the next check starts from zero.
    expect(await registry.listTags(`${app}/cache`)).toEqual([]);
    expect(await capBuildCache(registry, app, 2)).toBe(0);
    // Release images are not cache: they stay.
    expect(await registry.manifestExists(app, release)).toBe(true);
  });

  it("says whether a release's image is still there, and nothing for images it did not build", async () => {
    const app = `rel-${randomUUID().slice(0, 8)}`;
    const digest = await pushTinyImage(REGISTRY, app, "v1", "2026-01-01T00:00:00Z");
    const registry = createRegistryClient({ url: REGISTRY });
    const host = "registry.qs-system.svc:5000";
    expect(await hasAppImage(registry, host, app, `${host}/${app}@${digest}`)).toBe(true);
    await registry.deleteManifest(app, digest);
    expect(await hasAppImage(registry, host, app, `${host}/${app}@${digest}`)).toBe(false);
    expect(await hasAppImage(registry, host, app, `docker.io/library/nginx@${digest}`)).toBeUndefined();
  });
});
