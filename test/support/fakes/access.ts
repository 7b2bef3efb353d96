import type { AccessControl, AuditEntry, AuditLog, BuildControl, BuildRecord, OfferedKey, Principal } from "@qs/core";

/** In-memory AccessControl: grants per user, API tokens per user; admins may touch all. */
export class FakeAccessControl implements AccessControl {
  readonly grants = new Map<string, Set<string>>();
  readonly tokens = new Map<string, Principal>();

  grant(user: string, app: string): void {
    const set = this.grants.get(user) ?? new Set<string>();
    set.add(app);
    this.grants.set(user, set);
  }

  authenticateKey(_key: OfferedKey): Promise<Principal | undefined> {
    return Promise.resolve(undefined);
  }

  authenticateToken(user: string | undefined, token: string): Promise<Principal | undefined> {
    const who = this.tokens.get(token);
    if (who === undefined || (user !== undefined && user !== who.user)) return Promise.resolve(undefined);
    return Promise.resolve(who);
  }

  canAccessApp(principal: Principal, app: string): Promise<boolean> {
    return Promise.resolve(principal.role === "admin" || (this.grants.get(principal.user)?.has(app) ?? false));
  }
}

/** In-memory AuditLog. */
export class FakeAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
    return Promise.resolve();
  }

  list(options: { app?: string; limit?: number } = {}): Promise<readonly AuditEntry[]> {
    const all = [...this.entries].reverse().filter((e) => options.app === undefined || e.app === options.app);
    return Promise.resolve(all.slice(0, options.limit ?? 100));
  }
}

/** In-memory stand-in for the git RepoStore's createEmpty/remove. */
export class FakeRepoStore {
  readonly repos = new Set<string>();
  failNextCreate = false;

  createEmpty(app: string): Promise<{ movedAside?: string }> {
    if (this.failNextCreate) {
      this.failNextCreate = false;
      return Promise.reject(new Error("disk full"));
    }
    const existed = this.repos.has(app);
    this.repos.add(app);
    return Promise.resolve(existed ? { movedAside: `/repos/.orphaned/${app}.git` } : {});
  }

  remove(app: string): Promise<void> {
    this.repos.delete(app);
    return Promise.resolve();
  }
}

/** In-memory BuildControl: records per app, newest first; one may be "running". */
export class FakeBuildControl implements BuildControl {
  readonly builds = new Map<string, { record: BuildRecord; lines: string[] }[]>();

  add(record: BuildRecord, lines: string[]): void {
    this.builds.set(record.app, [{ record, lines }, ...(this.builds.get(record.app) ?? [])]);
  }

  cancel(app: string): Promise<boolean> {
    const running = (this.builds.get(app) ?? []).find((b) => b.record.state === "running" || b.record.state === "queued");
    if (running === undefined) return Promise.resolve(false);
    running.record = { ...running.record, state: "cancelled", reason: "cancelled by a user" };
    return Promise.resolve(true);
  }

  list(app: string): Promise<readonly BuildRecord[]> {
    return Promise.resolve((this.builds.get(app) ?? []).map((b) => b.record));
  }

  output(app: string, id?: string): Promise<{ record: BuildRecord; lines: readonly string[] } | undefined> {
    const list = this.builds.get(app) ?? [];
    return Promise.resolve(id === undefined ? list[0] : list.find((b) => b.record.id === id));
  }
}
