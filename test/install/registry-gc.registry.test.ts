import { spawnSync } from "node:child_process";
import { mkdir, readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistryClient } from "@qs/builder";
import { pushTinyImage } from "../../packages/builder/src/registry/tiny-image.ts";
import { startRegistry, type RunningRegistry } from "../support/services.ts";
import { tempDir } from "../support/tmp.ts";
import { podSpec } from "./pod-spec.ts";
import { findObject, renderKustomize, repoRoot } from "./support.ts";

// deploy/'s registry runs garbage collection in an init container before it serves. That
// exact command, run here with Debian's build of the same registry (distribution 2.8), must
// free the blobs of deleted images and keep the rest.

const registryPod = podSpec(findObject(renderKustomize(join(repoRoot, "deploy")), "Deployment", "registry"));

/** Blob files in the registry's storage. */
async function blobs(data: string): Promise<number> {
  const root = join(data, "docker/registry/v2/blobs/sha256");
  const prefixes = await readdir(root).catch(() => []);
  let n = 0;
  for (const p of prefixes) n += (await readdir(join(root, p))).length;
  return n;
}

const init = registryPod.initContainers?.find((c) => c.name === "garbage-collect");

/**
 * Runs the init container's command as it is in deploy/, with Debian's build of the
 * registry standing in for `registry` on PATH, the storage at `data` and `config` as the
 * config file (the last argument, /etc/docker/registry/config.yml in the pod).
 */
async function runInitContainer(data: string, config: string): Promise<{ status: number | null; output: string }> {
  const bin = join(dir.path, "bin");
  await mkdir(bin, { recursive: true });
  await symlink("/usr/bin/docker-registry", join(bin, "registry")).catch(() => undefined);
  const [command, ...args] = init!.command!;
  expect(args.at(-1)).toBe("/etc/docker/registry/config.yml");
  const env = Object.fromEntries((init!.env ?? []).map((e) => [e.name, e.value ?? ""]));
  const gc = spawnSync(command!, [...args.slice(0, -1), config], {
    encoding: "utf8",
    env: { ...env, PATH: `${bin}:${process.env.PATH}`, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: data },
  });
  return { status: gc.status, output: gc.stdout + gc.stderr };
}

let dir: Awaited<ReturnType<typeof tempDir>>;
let registry: RunningRegistry;
beforeAll(async () => {
  dir = await tempDir("qs-registry-gc-");
  registry = await startRegistry(dir.path);
});
afterAll(async () => {
  await registry.stop();
  await dir.remove();
});

describe("registry garbage collection at start (deploy/base/registry)", () => {
  it("treats an empty volume (a fresh install) as nothing to collect, so the registry starts", async () => {
    const empty = join(dir.path, "empty");
    await mkdir(empty);
    const gc = await runInitContainer(empty, join(dir.path, "config.yml"));
    expect(gc.status, gc.output).toBe(0);
    expect(gc.output).toContain("nothing to collect");
    expect(await readdir(empty)).toEqual([]);
  });

  it("frees the blobs of deleted images, and keeps an image whose tag moved (a release may still name it)", async () => {
    const gone = await pushTinyImage(registry.url, "shop", "v1", "2026-01-01T00:00:00Z");
    const kept = await pushTinyImage(registry.url, "shop", "v2", "2026-01-02T00:00:00Z");
    // The same commit built again: the tag moves, the older digest is untagged but named
    // by an older release.
    const rebuiltFrom = await pushTinyImage(registry.url, "shop", "abc123", "2026-01-03T00:00:00Z");
    await pushTinyImage(registry.url, "shop", "abc123", "2026-01-04T00:00:00Z");
    const client = createRegistryClient({ url: registry.url });
    expect(await client.deleteManifest("shop", gone)).toBe(true);
    const data = join(dir.path, "data");
    const before = await blobs(data);
    await registry.stop();

    const gc = await runInitContainer(data, join(dir.path, "config.yml"));
    expect(gc.status, gc.output).toBe(0);
    expect(await blobs(data)).toBeLessThan(before);

    registry = await startRegistry(dir.path);
    const after = createRegistryClient({ url: registry.url });
    expect(await after.manifestExists("shop", kept)).toBe(true);
    expect(await after.manifestExists("shop", gone)).toBe(false);
    expect(await after.manifestExists("shop", rebuiltFrom)).toBe(true);
  });
});
