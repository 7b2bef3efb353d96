import type { LoginThrottle, MetricStore, SessionStore, UserDirectory, WebSession, Role } from "@qs/core";
import { hashPassword, hashRecoveryCode, type PasswordHashOptions } from "@qs/commands";
import { throttleDelayMs, throttlePolicyOf, type LoginThrottleOptions } from "@qs/redis";

/** Sessions in a Map with the same per-user index semantics as the Redis store. */
export function createMemorySessionStore(): SessionStore & { readonly size: () => number } {
  const sessions = new Map<string, WebSession>();
  return {
    size: () => sessions.size,
    create(session) {
      sessions.set(session.id, { ...session });
      return Promise.resolve();
    },
    get(id) {
      const s = sessions.get(id);
      return Promise.resolve(s ? { ...s } : undefined);
    },
    touch(id, lastSeenAt) {
      const s = sessions.get(id);
      if (s) sessions.set(id, { ...s, lastSeenAt });
      return Promise.resolve();
    },
    delete(id) {
      sessions.delete(id);
      return Promise.resolve();
    },
    deleteAllForUser(user) {
      let n = 0;
      for (const [id, s] of sessions) if (s.user === user && sessions.delete(id)) n++;
      return Promise.resolve(n);
    },
  };
}

/** The Redis throttle's rules (same delay and policy functions) over a Map and an injected clock. */
export function createMemoryLoginThrottle(options: LoginThrottleOptions & { now?: () => number } = {}): LoginThrottle {
  const now = options.now ?? Date.now;
  const attempts = new Map<string, number>();
  const blockedUntil = new Map<string, number>();
  const retryAfterMs = (keys: readonly string[]): number => Math.max(0, ...keys.map((k) => (blockedUntil.get(k) ?? 0) - now()));
  return {
    retryAfterMs(keys) {
      return Promise.resolve(retryAfterMs(keys));
    },
    attempt(keys) {
      const wait = retryAfterMs(keys);
      if (wait > 0) return Promise.resolve(wait);
      for (const k of keys) {
        const n = (attempts.get(k) ?? 0) + 1;
        attempts.set(k, n);
        const delay = throttleDelayMs(n, throttlePolicyOf(k, options));
        if (delay > 0) blockedUntil.set(k, now() + delay);
      }
      return Promise.resolve(0);
    },
    reset(keys, refund = []) {
      for (const k of keys) {
        attempts.delete(k);
        blockedUntil.delete(k);
      }
      for (const k of refund) attempts.set(k, Math.max(0, (attempts.get(k) ?? 0) - 1));
      return Promise.resolve();
    },
  };
}

/** A user the fake directory knows (plain secrets; hashed on add like the real flow). */
export interface FakeUser {
  readonly name: string;
  readonly role: Role;
  readonly password?: string;
  readonly totpSecret?: string;
  readonly recoveryCodes?: readonly string[];
}

/** The fake directory plus what `ssh qs users:…` would change. */
export interface MemoryUserDirectory extends UserDirectory {
  /** users:password-set */
  readonly setPassword: (name: string, password: string) => Promise<void>;
  /** users:remove */
  readonly remove: (name: string) => void;
}

/** UserDirectory over a Map: hashed passwords and recovery codes, atomic TOTP step claims. */
export async function createMemoryUserDirectory(
  users: readonly FakeUser[],
  hashOptions: PasswordHashOptions = { cost: 1024 },
): Promise<MemoryUserDirectory> {
  const accounts = new Map<string, { role: Role; passwordHash?: string; totpSecret?: string; recovery: Set<string> }>();
  for (const u of users) {
    accounts.set(u.name, {
      role: u.role,
      ...(u.password ? { passwordHash: await hashPassword(u.password, hashOptions) } : {}),
      ...(u.totpSecret ? { totpSecret: u.totpSecret } : {}),
      recovery: new Set((u.recoveryCodes ?? []).map(hashRecoveryCode)),
    });
  }
  const steps = new Map<string, number>();
  return {
    async setPassword(name, password) {
      const a = accounts.get(name);
      if (a) a.passwordHash = await hashPassword(password, hashOptions);
    },
    remove: (name) => void accounts.delete(name),
    find(name) {
      const a = accounts.get(name);
      if (!a) return Promise.resolve(undefined);
      return Promise.resolve({
        name,
        role: a.role,
        ...(a.passwordHash ? { passwordHash: a.passwordHash } : {}),
        ...(a.totpSecret ? { totpSecret: a.totpSecret } : {}),
        recoveryCodesLeft: a.recovery.size,
      });
    },
    lastTotpStep: (name) => Promise.resolve(steps.get(name)),
    claimTotpStep(name, step) {
      const last = steps.get(name);
      if (last !== undefined && last >= step) return Promise.resolve(false);
      steps.set(name, step);
      return Promise.resolve(true);
    },
    useRecoveryCode(name, codeHash) {
      return Promise.resolve(accounts.get(name)?.recovery.delete(codeHash) ?? false);
    },
  };
}

/** Unbounded-by-time but capped series, like the Redis store. */
export function createMemoryMetricStore(maxSamples = 2880): MetricStore {
  const series = new Map<string, { at: number; cpuMillicores: number; memoryBytes: number }[]>();
  return {
    append(name, sample) {
      const list = series.get(name) ?? [];
      list.push({ ...sample });
      if (list.length > maxSamples) list.splice(0, list.length - maxSamples);
      series.set(name, list);
      return Promise.resolve();
    },
    read(name, sinceMs) {
      return Promise.resolve((series.get(name) ?? []).filter((s) => s.at >= sinceMs));
    },
  };
}
