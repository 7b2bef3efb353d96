import type { RegistryClient } from "./registry-client.ts";

/** The registry repositories of an app: its images, and Kaniko's/BuildKit's layer cache. */
export const appRepositories = (app: string): readonly string[] => [app, `${app}/cache`];

/**
 * Deletes every image of a destroyed app (release images and build cache) through the
 * registry API; resolves with how many manifests went. The registry's garbage collection
 * then frees their blobs. A later app of the same name starts with an empty repository.
 */
export async function removeAppImages(registry: RegistryClient, app: string): Promise<{ deleted: number }> {
  let deleted = 0;
  for (const repo of appRepositories(app)) {
    for (const image of await registry.listImages(repo)) {
      if (await registry.deleteManifest(repo, image.digest)) deleted++;
    }
  }
  return { deleted };
}

/**
 * Bounds an app's build cache. Kaniko pushes one image per cached layer and never deletes
 * any, and the registry cannot say which are stale (it keeps no push times), so past `max`
 * the whole cache goes: the next build runs uncached once and refills it. Resolves with
 * how many cache images were deleted.
 */
export async function capBuildCache(registry: RegistryClient, app: string, max: number): Promise<number> {
  const repo = `${app}/cache`;
  if ((await registry.listTags(repo)).length <= max) return 0;
  let deleted = 0;
  for (const image of await registry.listImages(repo)) {
    if (await registry.deleteManifest(repo, image.digest)) deleted++;
  }
  return deleted;
}

/**
 * Whether a release's image (`<registryHost>/<app>@sha256:…`) is still in the registry;
 * undefined for an image that is not one of QuickStack's builds (nothing to check).
 */
export async function hasAppImage(registry: RegistryClient, registryHost: string, app: string, image: string): Promise<boolean | undefined> {
  const prefix = `${registryHost}/${app}@`;
  if (!image.startsWith(prefix)) return undefined;
  return registry.manifestExists(app, image.slice(prefix.length));
}
