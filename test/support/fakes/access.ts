import type { AccessControl, AuditEntry, AuditLog, OfferedKey, Principal } from "@qs/core";

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

/** In-memory stand-in for the git RepoStore's create/remove. */
export class FakeRepoStore {
  readonly repos = new Set<string>();
  failNextCreate = false;

  create(app: string): Promise<void> {
    if (this.failNextCreate) {
      this.failNextCreate = false;
      return Promise.reject(new Error("disk full"));
    }
    this.repos.add(app);
    return Promise.resolve();
  }

  remove(app: string): Promise<void> {
    this.repos.delete(app);
    return Promise.resolve();
  }
}
