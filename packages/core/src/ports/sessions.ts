import type { Role } from "../principal.ts";

/** A web session (stored server-side; the cookie carries only the random id). */
export interface WebSession {
  /** 32 random bytes, base64url. */
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  /** Synchronizer token for form POSTs. */
  readonly csrfToken: string;
  /** Unix ms. */
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /**
   * Digest of the user's password hash and TOTP secret at login. A session whose stamp no
   * longer matches ends: changing the password (or 2FA) logs out everywhere at once.
   */
  readonly credentialStamp?: string;
}

/** Server-side sessions with a per-user index, so a password change logs out everywhere. */
export interface SessionStore {
  /** Stores a session that Redis may forget after ttlMs (the absolute lifetime). */
  create(session: WebSession, ttlMs: number): Promise<void>;
  get(id: string): Promise<WebSession | undefined>;
  /** Records activity (idle expiry is judged by the caller against lastSeenAt). */
  touch(id: string, lastSeenAt: number): Promise<void>;
  delete(id: string): Promise<void>;
  /** Deletes every session of the user; returns how many. */
  deleteAllForUser(user: string): Promise<number>;
}

/**
 * Login throttle with growing delays, keyed per address (`addr:203.0.113.9`), per user and
 * address (`user-addr:alice 203.0.113.9`) and per user (`user:alice`, gentler, so that a
 * stranger cannot lock a named account out for long).
 */
export interface LoginThrottle {
  /** Milliseconds to wait before another attempt for any of the keys; 0 = go ahead. */
  retryAfterMs(keys: readonly string[]): Promise<number>;
  /**
   * Counts an attempt against every key, atomically and before the credentials are
   * checked (parallel attempts cannot all slip through), unless one of them is blocked.
   * Returns the wait when blocked (nothing counted), 0 to go ahead.
   */
  attempt(keys: readonly string[]): Promise<number>;
  /** After a successful login: clears the counts of `keys`, and takes the attempt back from `refund`. */
  reset(keys: readonly string[], refund?: readonly string[]): Promise<void>;
}
