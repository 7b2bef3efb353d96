import {
  type AddonAttachment,
  type AddonManager,
  type App,
  type AppSpec,
  type AppStore,
  type ConfigStore,
  type Logger,
  type PreviewPushes,
  AppNotFoundError,
  LimitExceededError,
  UnavailableError,
  ValidationError,
  attachmentVar,
  previewAppName,
  previewExpiresAt,
} from "@qs/core";

/** What the preview manager works with. */
export interface PreviewManagerOptions {
  readonly apps: AppStore;
  readonly config: ConfigStore;
  readonly logger: Logger;
  /** Deletes a destroyed preview's images; absent = left to registry GC. */
  readonly images?: { removeApp(app: string): Promise<{ deleted: number }> };
  /**
   * Add-ons, for parents with `--addons fresh|shared`; without it such previews are refused
   * (UnavailableError) rather than made without their databases.
   */
  readonly addons?: AddonManager;
  /** Milliseconds since epoch; injected by tests. @defaultValue Date.now */
  readonly now?: () => number;
}

/** Review apps: created and destroyed by pushes, expired by the sweep. */
export interface PreviewManager extends PreviewPushes {
  /**
   * Destroys previews idle past their parent's TTL, and previews whose parent is gone or no
   * longer has previews (only those `owns` accepts). Resolves the names destroyed.
   */
  sweep(owns?: (app: string) => boolean): Promise<string[]>;
}

/**
 * The previews of `parent` among `apps`, oldest push first. A preview being destroyed (its
 * App waits for its resources to go) is gone already: it neither counts nor is found again.
 */
export function previewsOf(apps: readonly App[], parent: string): App[] {
  return apps
    .filter((a) => a.spec.preview?.parent === parent && a.deletingSince === undefined)
    .sort((a, b) => (a.spec.preview?.lastPushAt ?? "").localeCompare(b.spec.preview?.lastPushAt ?? ""));
}

/** The preview manager over the app and config stores. */
export function createPreviewManager(options: PreviewManagerOptions): PreviewManager {
  const now = options.now ?? Date.now;
  const { apps } = options;

  const destroy = async (name: string): Promise<void> => {
    // A preview's own add-ons (fresh) go with it, volumes too: they hold only preview data.
    // The App's deletion would remove their StatefulSets but keep the claims.
    for (const addon of (await options.addons?.list(name).catch(() => [])) ?? []) {
      await options.addons?.destroy(name, addon.name, true).catch((err: unknown) => {
        options.logger.warn({ err: (err as Error).message, app: name, addon: addon.name }, "could not destroy a preview's add-on");
      });
    }
    try {
      await apps.destroy(name);
    } catch (err) {
      if (!(err instanceof AppNotFoundError)) throw err;
    }
    // The App is gone already: a registry failure only leaves disk used.
    await options.images?.removeApp(name).catch((err: unknown) => {
      options.logger.warn({ err: (err as Error).message, app: name }, "could not delete a preview's images");
    });
  };

  return {
    async prepare(parent, branch, by) {
      const parentApp = await apps.get(parent);
      const settings = parentApp.spec.previews;
      if (settings === undefined) return undefined;
      const pushedAt = new Date(now()).toISOString();
      const all = await apps.list();
      const mine = previewsOf(all, parent);
      const existing = mine.find((a) => a.spec.preview?.branch === branch);
      if (existing !== undefined) {
        await apps.update(existing.name, (spec) => ({ ...spec, preview: { parent, branch, lastPushAt: pushedAt } }));
        return existing.name;
      }
      if (mine.length >= settings.limit) {
        throw new LimitExceededError(
          "PREVIEW_LIMIT",
          `${parent} already has ${mine.length} previews (${mine.map((a) => a.spec.preview?.branch ?? a.name).join(", ")}); the limit is ${settings.limit}`,
          {
            hint: `delete a preview's branch (git push qs :BRANCH), or raise the limit: ssh qs apps:previews-enable ${parent} --limit N`,
          },
        );
      }
      const taken = new Set(all.map((a) => a.name));
      let name = previewAppName(parent, branch);
      for (let attempt = 1; taken.has(name); attempt++) {
        if (attempt > 20) throw new ValidationError("PREVIEW_NAME", `no free preview name for ${branch}`, { hint: "rename the branch" });
        name = previewAppName(parent, branch, attempt);
      }
      const parentAddons = parentApp.spec.addons ?? [];
      const addons = settings.addons === "none" || parentAddons.length === 0 ? undefined : options.addons;
      if (addons === undefined && settings.addons !== "none" && parentAddons.length > 0) {
        throw new UnavailableError("NOT_CONFIGURED", `${parent} gives previews ${settings.addons} add-ons, and this control plane has no add-on manager`, {
          hint: `run the control plane with a Kubernetes connection, or: ssh qs apps:previews-enable ${parent} --addons none`,
        });
      }
      const origin = { parent, branch, lastPushAt: pushedAt };
      await apps.create(name, by, {
        ...previewSpec(parentApp.spec, origin),
        ...(settings.addons === "shared" && parentAddons.length > 0 ? { addons: parentAddons } : {}),
      });
      try {
        // A new preview starts with the config of its source app; later apps:config-set on the
        // preview overrides it without touching the parent. Add-on URLs are then set for
        // the preview's own attachments (the source's URLs may point elsewhere).
        const vars: Record<string, string> = { ...(await options.config.get(settings.configFrom ?? parent)) };
        if (addons !== undefined) {
          const attached = settings.addons === "fresh" ? await freshAddons(addons, name, parentAddons) : parentAddons;
          for (const a of attached) vars[attachmentVar(a)] = await addons.url(a.owner, a.name);
          if (settings.addons === "fresh") await apps.update(name, (spec) => ({ ...spec, addons: attached }));
        }
        await options.config.update(name, () => vars);
      } catch (err) {
        await destroy(name);
        throw err;
      }
      options.logger.info({ app: name, parent, branch, addons: settings.addons }, "preview created");
      return name;
    },

    async remove(parent, branch) {
      const found = previewsOf(await apps.list(), parent).find((a) => a.spec.preview?.branch === branch);
      if (found === undefined) return undefined;
      await destroy(found.name);
      options.logger.info({ app: found.name, parent, branch }, "preview destroyed (branch deleted)");
      return found.name;
    },

    async sweep(owns = () => true) {
      const all = await apps.list();
      const parents = new Map(all.map((a) => [a.name, a]));
      const destroyed: string[] = [];
      for (const app of all) {
        const origin = app.spec.preview;
        if (origin === undefined || app.deletingSince !== undefined || !owns(app.name)) continue;
        const settings = parents.get(origin.parent)?.spec.previews;
        const expires = settings === undefined ? 0 : previewExpiresAt(app.spec, settings.ttlSeconds);
        if (expires === undefined || expires > now()) continue;
        await destroy(app.name);
        options.logger.info(
          { app: app.name, parent: origin.parent, reason: settings === undefined ? "parent without previews" : "idle" },
          "preview destroyed by the sweep",
        );
        destroyed.push(app.name);
      }
      return destroyed;
    },
  };
}

/**
 * `--addons fresh`: for each add-on the parent uses, a new one of the same kind, version
 * and size owned by the preview (so it goes with it), under the same variable. Resolves
 * the preview's attachments once every add-on answers.
 */
async function freshAddons(addons: AddonManager, preview: string, parentAddons: readonly AddonAttachment[]): Promise<AddonAttachment[]> {
  const attached: AddonAttachment[] = [];
  for (const a of parentAddons) {
    const source = await addons.get(a.owner, a.name);
    // Two attachments of one parent may share a name across owners: keep the preview's unique.
    const name = attached.some((x) => x.name === a.name) ? `${a.name}-${attached.length + 1}`.slice(0, 30) : a.name;
    await addons.create(preview, { name, kind: source.kind, version: source.version, size: source.size });
    attached.push({ name, owner: preview, as: a.as });
  }
  for (const a of attached) await addons.waitReady(preview, a.name);
  return attached;
}

/**
 * A new preview's spec: the parent's processes, build, health check, web port and template, its own deploy
 * branch, none of the parent's domains or volumes (a preview must not serve or write
 * production's), no previews of its own, and no autoscaling (one replica each).
 */
export function previewSpec(parent: AppSpec, origin: NonNullable<AppSpec["preview"]>): Partial<AppSpec> {
  const processes = Object.fromEntries(
    Object.entries(parent.processes).map(([type, p]) => [
      type,
      { replicas: Math.min(p.replicas, 1), ...(p.cpu === undefined ? {} : { cpu: p.cpu }), ...(p.memory === undefined ? {} : { memory: p.memory }) },
    ]),
  );
  return {
    deployBranch: origin.branch,
    processes,
    domains: [],
    volumes: [],
    builder: parent.builder,
    ...(parent.healthCheckPath === undefined ? {} : { healthCheckPath: parent.healthCheckPath }),
    ...(parent.webPort === undefined ? {} : { webPort: parent.webPort }),
    // A template's limits (e.g. one replica for a single-writer app) hold for its previews too.
    ...(parent.template === undefined ? {} : { template: parent.template }),
    preview: origin,
  };
}
