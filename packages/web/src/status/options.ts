import type { Context } from "hono";
import type { LoginThrottle, Logger, MetricStore, SessionStore, StatusSource, UserDirectory } from "@qs/core";
import type { PasswordHashOptions } from "@qs/commands";
import type { TerminalHub } from "../terminal/hub.ts";

/** Everything the status pages need; apps/server builds the real ports. */
export interface StatusPagesOptions {
  readonly status: StatusSource;
  readonly users: UserDirectory;
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
  readonly metrics: MetricStore;
  readonly logger: Logger;
  /** Admins must use TOTP (QS_REQUIRE_2FA). @defaultValue true */
  readonly require2fa?: boolean;
  /** The clock (tests inject one). @defaultValue Date.now */
  readonly now?: () => number;
  /** A session unused this long ends. @defaultValue 1800000 (30 min) */
  readonly idleTimeoutMs?: number;
  /** A session ends this long after login whatever happens. @defaultValue 43200000 (12 h) */
  readonly absoluteTimeoutMs?: number;
  /**
   * Secure cookies and HSTS. Undefined = when the request is HTTPS (its URL, or
   * X-Forwarded-Proto when trustProxy).
   */
  readonly secureCookies?: boolean;
  /** Believe X-Forwarded-For/-Proto (behind Traefik). @defaultValue false */
  readonly trustProxy?: boolean;
  /** The client address for rate limiting. @defaultValue socket address (or X-Forwarded-For) */
  readonly clientAddress?: (c: Context) => string;
  /** Costs of the dummy hash for unknown users: match the real hashes. @defaultValue hashPassword's */
  readonly passwordHashOptions?: PasswordHashOptions;
  /** Interval of SSE keep-alive comments on the log stream. @defaultValue 25000 */
  readonly sseKeepAliveMs?: number;
  /** The web terminal (issue 16); without it the app pages have no Terminal panel. */
  readonly terminals?: TerminalHub;
}

/** Options with defaults applied. */
export type ResolvedOptions = StatusPagesOptions &
  Required<Pick<StatusPagesOptions, "require2fa" | "now" | "idleTimeoutMs" | "absoluteTimeoutMs" | "trustProxy" | "sseKeepAliveMs">>;

/** Applies the documented defaults. */
export function resolveOptions(options: StatusPagesOptions): ResolvedOptions {
  return {
    ...options,
    require2fa: options.require2fa ?? true,
    now: options.now ?? Date.now,
    idleTimeoutMs: options.idleTimeoutMs ?? 1_800_000,
    absoluteTimeoutMs: options.absoluteTimeoutMs ?? 43_200_000,
    trustProxy: options.trustProxy ?? false,
    sseKeepAliveMs: options.sseKeepAliveMs ?? 25_000,
  };
}
