import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { LoginAccount, Principal, WebSession } from "@qs/core";
import type { ResolvedOptions } from "./options.ts";

/** 32 random bytes, base64url (session ids and CSRF tokens). */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Constant-time string equality (CSRF tokens). */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when this request came over HTTPS (decides Secure cookies and HSTS). */
export function isHttps(c: Context, options: ResolvedOptions): boolean {
  if (options.secureCookies !== undefined) return options.secureCookies;
  if (new URL(c.req.url).protocol === "https:") return true;
  return options.trustProxy && c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

/** The address failed logins are counted against. */
export function clientAddress(c: Context, options: ResolvedOptions): string {
  if (options.clientAddress) return options.clientAddress(c);
  if (options.trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // app.request() in tests has no socket.
    return "unknown";
  }
}

// `__Host-` cookies must be Secure, Path=/ and have no Domain: the browser then refuses
// them from subdomains and plain HTTP, which closes cookie-tossing attacks.
const cookieName = (secure: boolean, name: string) => (secure ? `__Host-${name}` : name);
/** Session cookie base name. */
export const SESSION_COOKIE = "qs_session";
/** Pre-login CSRF cookie base name (double submit on the login form). */
export const LOGIN_CSRF_COOKIE = "qs_login_csrf";

/** Reads a cookie under its secure or plain name. */
export function readCookie(c: Context, options: ResolvedOptions, name: string): string | undefined {
  return getCookie(c, cookieName(isHttps(c, options), name));
}

/** Sets an HttpOnly, SameSite=Lax cookie, Secure over HTTPS. */
export function writeCookie(c: Context, options: ResolvedOptions, name: string, value: string, maxAgeSeconds: number): void {
  const secure = isHttps(c, options);
  setCookie(c, cookieName(secure, name), value, { httpOnly: true, secure, sameSite: "Lax", path: "/", maxAge: maxAgeSeconds });
}

/** Removes a cookie set by writeCookie. */
export function clearCookie(c: Context, options: ResolvedOptions, name: string): void {
  const secure = isHttps(c, options);
  deleteCookie(c, cookieName(secure, name), { path: "/", secure, httpOnly: true, sameSite: "Lax" });
}

/** Digest of what a login proved (password hash, TOTP secret); see WebSession.credentialStamp. */
export function credentialStamp(account: LoginAccount): string {
  return createHash("sha256")
    .update(`${account.passwordHash ?? ""}\n${account.totpSecret ?? ""}`)
    .digest("base64url")
    .slice(0, 22);
}

/** A live session and who it belongs to. */
export interface ActiveSession {
  readonly session: WebSession;
  readonly principal: Principal;
  /** Unused recovery codes, when the user has 2FA (a warning when few are left). */
  readonly recoveryCodesLeft?: number;
}

/** The request's session when it exists and has neither idled out nor outlived its maximum age. */
export async function loadSession(c: Context, options: ResolvedOptions): Promise<ActiveSession | undefined> {
  const id = readCookie(c, options, SESSION_COOKIE);
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const session = await options.sessions.get(id);
  if (!session) return undefined;
  const now = options.now();
  if (now - session.lastSeenAt > options.idleTimeoutMs || now - session.createdAt > options.absoluteTimeoutMs) {
    await options.sessions.delete(id);
    return undefined;
  }
  // The user as stored now: removed users, new passwords and 2FA changes end the session,
  // and a changed role applies at once.
  const account = await options.users.find(session.user);
  if (!account || !sameToken(session.credentialStamp, credentialStamp(account))) {
    await options.sessions.delete(id);
    return undefined;
  }
  // One write per 10 s at most: enough precision for a 30 min idle timeout.
  if (now - session.lastSeenAt >= 10_000) await options.sessions.touch(id, now);
  return {
    session,
    principal: { user: account.name, role: account.role },
    ...(account.totpSecret ? { recoveryCodesLeft: account.recoveryCodesLeft } : {}),
  };
}

/** Starts a fresh session (new id: rotation at login defeats session fixation). */
export async function startSession(c: Context, options: ResolvedOptions, account: LoginAccount): Promise<WebSession> {
  const previous = readCookie(c, options, SESSION_COOKIE);
  if (previous) await options.sessions.delete(previous);
  const now = options.now();
  const session: WebSession = {
    id: randomToken(),
    user: account.name,
    role: account.role,
    csrfToken: randomToken(),
    createdAt: now,
    lastSeenAt: now,
    credentialStamp: credentialStamp(account),
  };
  await options.sessions.create(session, options.absoluteTimeoutMs);
  writeCookie(c, options, SESSION_COOKIE, session.id, Math.floor(options.absoluteTimeoutMs / 1000));
  return session;
}

/**
 * Cross-site form posts are refused twice over: SameSite=Lax cookies, and here the Origin
 * (or Referer) must be ours when the browser sends one.
 */
export function sameOrigin(c: Context, options: ResolvedOptions): boolean {
  const url = new URL(c.req.url);
  const forwardedProto = options.trustProxy ? c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() : undefined;
  const proto = forwardedProto ? `${forwardedProto}:` : url.protocol;
  const host = (options.trustProxy ? c.req.header("x-forwarded-host") : undefined) ?? c.req.header("host") ?? url.host;
  const ours = `${proto}//${host}`;
  const origin = c.req.header("origin");
  if (origin !== undefined) return origin === ours;
  const referer = c.req.header("referer");
  if (referer !== undefined) {
    try {
      return new URL(referer).origin === ours;
    } catch {
      return false;
    }
  }
  return true;
}
