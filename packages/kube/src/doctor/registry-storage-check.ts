import { type AppStore, type CheckOutcome, type HealthCheck, formatBytes } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { type StatsSummary, percentUsed, readStatsSummaries } from "./stats-summary.ts";
import { VOLUME_FAIL_PERCENT, VOLUME_WARN_PERCENT } from "./volumes-check.ts";

/** The registry API calls the check makes (RegistryClient of @qs/builder has them). */
export interface RegistryCatalog {
  /** Every repository name (`GET /v2/_catalog`). */
  listRepositories(): Promise<readonly string[]>;
  /** Tags of a repository. */
  listTags(repo: string): Promise<readonly string[]>;
}

/** Options of registryStorageCheck. */
export interface RegistryStorageCheckOptions {
  readonly apis: KubeApis;
  readonly apps: Pick<AppStore, "list">;
  readonly registry: RegistryCatalog;
  /** The registry's volume. @defaultValue qs-system/registry-data (deploy/base/registry/pvc.yaml) */
  readonly claim?: { readonly namespace: string; readonly name: string };
}

/** A build's tag: the first 12 hex digits of the commit (builder's build worker). */
const BUILD_TAG = /^[0-9a-f]{12}$/;
/** An app's repositories are `<app>` and `<app>/cache` (builder's appRepositories). */
const APP_REPO = /^([a-z0-9][a-z0-9-]*)(\/cache)?$/;

/** What the catalog holds: tagged images per repository, and those of apps that are gone. */
export interface RegistryInventory {
  readonly repositories: number;
  readonly images: number;
  /** Deleted apps whose images are still stored: app → image count. */
  readonly orphans: ReadonlyMap<string, number>;
}

/**
 * The registry's disk use (its volume, measured by the kubelet when it has its own
 * filesystem) and garbage: images of apps that no longer exist, which apps:destroy removes
 * but a destroy during a registry outage leaves behind.
 */
export function registryStorageCheck(options: RegistryStorageCheckOptions): HealthCheck {
  const claim = options.claim ?? { namespace: "qs-system", name: "registry-data" };
  return {
    id: "registry-storage",
    title: "Registry disk use and garbage",
    async run(signal): Promise<CheckOutcome> {
      const [read, inventory] = await Promise.all([readStatsSummaries(options.apis, signal), registryInventory(options.registry, options.apps)]);
      return judgeRegistryStorage(inventory, "refused" in read ? undefined : read.summaries, claim);
    },
  };
}

/** Lists the catalog and each repository's tags; an app repository with build tags and no App is an orphan. */
export async function registryInventory(registry: RegistryCatalog, apps: Pick<AppStore, "list">): Promise<RegistryInventory> {
  const [repos, known] = await Promise.all([registry.listRepositories(), apps.list().then((l) => new Set(l.map((a) => a.name)))]);
  const orphans = new Map<string, number>();
  let images = 0;
  // A few requests at a time: the check must answer within its timeout (10 s) on an
  // installation with many apps, without flooding the registry.
  const tagsOf = new Map<string, readonly string[]>();
  for (let i = 0; i < repos.length; i += 8) {
    const batch = repos.slice(i, i + 8);
    const lists = await Promise.all(batch.map((r) => registry.listTags(r)));
    batch.forEach((r, j) => tagsOf.set(r, lists[j] ?? []));
  }
  for (const repo of repos) {
    const tags = tagsOf.get(repo) ?? [];
    images += tags.length;
    const app = APP_REPO.exec(repo)?.[1];
    if (app === undefined || known.has(app) || tags.length === 0) continue;
    // Only QuickStack's own builds: an image someone else pushed (a mirrored base image)
    // is not ours to call garbage.
    const cache = repo.endsWith("/cache");
    if (!cache && !tags.some((t) => BUILD_TAG.test(t))) continue;
    orphans.set(app, (orphans.get(app) ?? 0) + tags.length);
  }
  return { repositories: repos.length, images, orphans };
}

/** The verdict on the inventory and the registry volume's stats (pure, for tests). */
export function judgeRegistryStorage(
  inventory: RegistryInventory,
  summaries: readonly StatsSummary[] | undefined,
  claim: { readonly namespace: string; readonly name: string },
): CheckOutcome {
  const volume = summaries
    ?.flatMap((s) => s.pods ?? [])
    .flatMap((p) => p.volume ?? [])
    .find((v) => v.pvcRef?.namespace === claim.namespace && v.pvcRef.name === claim.name);
  const percent = percentUsed(volume);
  const disk =
    percent === undefined
      ? summaries === undefined
        ? "volume not measured (no access to the kubelet's stats)"
        : "volume not measured (local-path: it is on the node's disk, see the volumes check)"
      : `volume ${percent}% full (${formatBytes(volume?.usedBytes ?? 0)} of ${formatBytes(volume?.capacityBytes ?? 0)})`;
  const held = `${inventory.images} image${inventory.images === 1 ? "" : "s"} in ${inventory.repositories} repositor${inventory.repositories === 1 ? "y" : "ies"}`;
  const orphaned = [...inventory.orphans.entries()];
  const garbage =
    orphaned.length === 0
      ? undefined
      : `${orphaned.reduce((n, [, c]) => n + c, 0)} images of ${orphaned.length} deleted app${orphaned.length === 1 ? "" : "s"} (${orphaned
          .slice(0, 5)
          .map(([a]) => a)
          .join(", ")}${orphaned.length > 5 ? ", …" : ""})`;
  const first = orphaned[0]?.[0] ?? "";
  const cleanup = `remove a deleted app's images by making and destroying it again: ssh qs apps:create ${first} && ssh qs apps:destroy ${first} --confirm ${first}; restarting the registry then frees their space (kubectl -n qs-system rollout restart deployment/registry)`;
  if (percent !== undefined && percent >= VOLUME_WARN_PERCENT) {
    return {
      status: percent >= VOLUME_FAIL_PERCENT ? "fail" : "warn",
      finding: `registry ${disk}: ${held}${garbage === undefined ? "" : `, ${garbage}`}`,
      fix:
        garbage === undefined
          ? "keep fewer images per app (QS_KEEP_IMAGES), restart the registry to free deleted images' space (kubectl -n qs-system rollout restart deployment/registry), or grow its volume"
          : cleanup,
    };
  }
  if (garbage !== undefined) return { status: "warn", finding: `the registry still stores ${garbage}; ${disk}`, fix: cleanup };
  return { status: "ok", finding: `registry holds ${held}, none of deleted apps; ${disk}` };
}
