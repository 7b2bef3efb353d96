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
 * Failed-login throttle with growing delays, keyed per user and per address
 * (`user:alice`, `addr:203.0.113.9`).
 */
export interface LoginThrottle {
  /** Milliseconds to wait before another attempt for any of the keys; 0 = go ahead. */
  retryAfterMs(keys: readonly string[]): Promise<number>;
  /** Counts a failure for each key and returns the resulting wait. */
  recordFailure(keys: readonly string[]): Promise<number>;
  /** Clears the counts after a successful login. */
  reset(keys: readonly string[]): Promise<void>;
}
