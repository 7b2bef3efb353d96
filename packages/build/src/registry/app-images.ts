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
