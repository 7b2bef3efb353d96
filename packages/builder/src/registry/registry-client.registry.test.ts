import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createRegistryClient } from "./registry-client.ts";
import { pushTinyImage } from "./tiny-image.ts";

const REGISTRY = process.env.QS_TEST_REGISTRY_URL ?? "";

const pushImage = (repo: string, tag: string, created: string): Promise<string> =>
  pushTinyImage(REGISTRY, repo, tag, created);

describe("registry client against a real docker-registry", () => {
  it("checks manifests by digest, lists tags and resolves them", async () => {
    const repo = `test-${randomUUID().slice(0, 8)}/app`;
    const client = createRegistryClient({ url: REGISTRY });
    const digest = await pushImage(repo, "abc123", "2026-01-01T00:00:00Z");
    expect(await client.manifestExists(repo, digest)).toBe(true);
    expect(await client.manifestExists(repo, `sha256:${"0".repeat(64)}`)).toBe(false);
    expect(await client.listTags(repo)).toEqual(["abc123"]);
    expect(await client.resolveTag(repo, "abc123")).toBe(digest);
    expect(await client.resolveTag(repo, "nope")).toBeUndefined();
    expect(await client.listTags(`test-${randomUUID().slice(0, 8)}/none`)).toEqual([]);
    expect(await client.listRepositories()).toContain(repo);
  });

  it("prunes all but the newest N images by digest, sparing protected ones", async () => {
    const repo = `test-${randomUUID().slice(0, 8)}/app`;
    const client = createRegistryClient({ url: REGISTRY });
    const d1 = await pushImage(repo, "v1", "2026-01-01T00:00:00Z");
    const d2 = await pushImage(repo, "v2", "2026-01-02T00:00:00Z");
    const d3 = await pushImage(repo, "v3", "2026-01-03T00:00:00Z");
    const d4 = await pushImage(repo, "v4", "2026-01-04T00:00:00Z");
    const images = await client.listImages(repo);
    expect(images.map((i) => i.digest)).toEqual([d4, d3, d2, d1]);
    expect(images[0]?.tags).toEqual(["v4"]);

    const deleted = await client.prune(repo, { keep: 2, protect: [d1] });
    expect(deleted).toEqual([d2]);
    expect(await client.manifestExists(repo, d2)).toBe(false);
    expect(await client.manifestExists(repo, d1)).toBe(true);
    expect(await client.manifestExists(repo, d3)).toBe(true);
    expect(await client.manifestExists(repo, d4)).toBe(true);
    expect(await client.deleteManifest(repo, d2)).toBe(false);
  });

  it("says the registry is unreachable as UnavailableError", async () => {
    const client = createRegistryClient({ url: "http://127.0.0.1:9", timeoutMs: 2_000 });
    await expect(client.listTags("x/y")).rejects.toMatchObject({ code: "REGISTRY_UNAVAILABLE" });
  });
});
