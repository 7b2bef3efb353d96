import { createHash } from "node:crypto";
import { setImmediate as tick } from "node:timers/promises";
import {
  AppNotFoundError,
  ConflictError,
  NotFoundError,
  defaultAppSpec,
  type App,
  type AppSpec,
  type AppStore,
  type ConfigStore,
  type DeployRequest,
  type OutputSink,
  type Release,
  type ReleaseManager,
} from "@qs/core";

/**
 * In-memory AppStore for unit tests of the command layer. Faithful to the port: update is
 * optimistic read-modify-write (a tick passes between read and write, and a version change
 * in between means retry), so concurrency bugs show up here as they would against the API.
 */
export class FakeAppStore implements AppStore {
  readonly apps = new Map<string, App>();
  private counter = 0;

  list(): Promise<readonly App[]> {
    return Promise.resolve([...this.apps.values()]);
  }

  get(name: string): Promise<App> {
    const app = this.apps.get(name);
    return app === undefined ? Promise.reject(new AppNotFoundError(name)) : Promise.resolve(app);
  }

  exists(name: string): Promise<boolean> {
    return Promise.resolve(this.apps.has(name));
  }

  create(name: string, _createdBy: string, spec: Partial<AppSpec> = {}): Promise<App> {
    if (this.apps.has(name)) return Promise.reject(new ConflictError("APP_EXISTS", `app "${name}" exists already`));
    const app: App = {
      name,
      spec: { ...defaultAppSpec(), ...spec },
      status: { conditions: [] },
      version: String(++this.counter),
      createdAt: new Date(0).toISOString(),
    };
    this.apps.set(name, app);
    return Promise.resolve(app);
  }

  async update(name: string, mutate: (spec: AppSpec) => AppSpec): Promise<App> {
    for (;;) {
      const before = await this.get(name);
      const spec = mutate(before.spec);
      await tick();
      const now = this.apps.get(name);
      if (now === undefined) throw new AppNotFoundError(name);
      if (now.version !== before.version) continue;
      const next = { ...now, spec, version: String(++this.counter) };
      this.apps.set(name, next);
      return next;
    }
  }

  destroy(name: string): Promise<void> {
    if (!this.apps.delete(name)) return Promise.reject(new AppNotFoundError(name));
    return Promise.resolve();
  }

  /** Test helper: sets status or spec fields directly. */
  patch(name: string, change: Partial<App>): void {
    const app = this.apps.get(name);
    if (app === undefined) throw new Error(`no app ${name}`);
    this.apps.set(name, { ...app, ...change, version: String(++this.counter) });
  }
}

/** In-memory ConfigStore with the same optimistic read-modify-write as FakeAppStore. */
export class FakeConfigStore implements ConfigStore {
  readonly vars = new Map<string, { vars: Record<string, string>; version: number }>();
  private readonly apps: FakeAppStore;

  constructor(apps: FakeAppStore) {
    this.apps = apps;
  }

  get(app: string): Promise<Readonly<Record<string, string>>> {
    if (!this.apps.apps.has(app)) return Promise.reject(new AppNotFoundError(app));
    return Promise.resolve({ ...(this.vars.get(app)?.vars ?? {}) });
  }

  async update(
    app: string,
    mutate: (vars: Readonly<Record<string, string>>) => Record<string, string>,
  ): Promise<{ vars: Readonly<Record<string, string>>; hash: string }> {
    for (;;) {
      if (!this.apps.apps.has(app)) throw new AppNotFoundError(app);
      const before = this.vars.get(app) ?? { vars: {}, version: 0 };
      const vars = mutate({ ...before.vars });
      await tick();
      const now = this.vars.get(app) ?? { vars: {}, version: 0 };
      if (now.version !== before.version) continue;
      this.vars.set(app, { vars, version: now.version + 1 });
      return { vars, hash: configHash(vars) };
    }
  }
}

/** sha256 over sorted KEY=VALUE lines (the hash a release records instead of the values). */
export function configHash(vars: Readonly<Record<string, string>>): string {
  const text = Object.keys(vars)
    .sort()
    .map((k) => `${k}=${vars[k] ?? ""}`)
    .join("\n");
  return createHash("sha256").update(text).digest("hex");
}

/** In-memory ReleaseManager: releases are numbered per app; reconfigure/rollback make new ones. */
export class FakeReleaseManager implements ReleaseManager {
  readonly releases = new Map<string, Release[]>();
  private readonly apps: FakeAppStore;
  private readonly config: FakeConfigStore;

  constructor(apps: FakeAppStore, config: FakeConfigStore) {
    this.apps = apps;
    this.config = config;
  }

  list(app: string): Promise<readonly Release[]> {
    if (!this.apps.apps.has(app)) return Promise.reject(new AppNotFoundError(app));
    return Promise.resolve([...(this.releases.get(app) ?? [])].reverse());
  }

  get(app: string, number: number): Promise<Release> {
    const release = this.releases.get(app)?.find((r) => r.number === number);
    return release === undefined
      ? Promise.reject(new NotFoundError("RELEASE_NOT_FOUND", `${app} has no release v${number}`))
      : Promise.resolve(release);
  }

  async deploy(request: DeployRequest, out: OutputSink): Promise<Release> {
    const vars = await this.config.get(request.app);
    return this.add(request.app, {
      image: request.image,
      configHash: configHash(vars),
      processes: request.processes,
      gitSha: request.gitSha,
      author: request.author,
      description: request.description,
    }, out);
  }

  async reconfigure(app: string, author: string, description: string, out: OutputSink): Promise<Release | undefined> {
    const last = (this.releases.get(app) ?? []).at(-1);
    if (last === undefined) return undefined;
    const vars = await this.config.get(app);
    return this.add(app, { ...last, configHash: configHash(vars), author, description }, out);
  }

  async rollback(app: string, number: number, author: string, out: OutputSink): Promise<Release> {
    const target = await this.get(app, number);
    return this.add(app, { ...target, author, description: `Rollback to v${number}` }, out);
  }

  private async add(
    app: string,
    fields: Omit<Release, "app" | "number" | "createdAt">,
    out: OutputSink,
  ): Promise<Release> {
    const list = this.releases.get(app) ?? [];
    const release: Release = { ...fields, app, number: list.length + 1, createdAt: new Date(0).toISOString() };
    this.releases.set(app, [...list, release]);
    out.line(`-----> Releasing v${release.number}`);
    out.line(`=====> Released v${release.number}`);
    await this.apps.update(app, (spec) => ({ ...spec, release: release.number }));
    return release;
  }
}
