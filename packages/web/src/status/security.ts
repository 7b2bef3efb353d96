import type { Context, MiddlewareHandler } from "hono";

/**
 * No inline script or style, nothing from other origins, no framing, no plugins. Inline SVG
 * sparklines use presentation attributes, which style-src does not govern.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** Security headers on every status-page response (OWASP secure headers). */
export function securityHeaders(options: { hsts: (c: Context) => boolean }): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    // A route may send a stricter-or-equal policy of its own (the terminal page adds a style nonce).
    if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    h.set("X-Frame-Options", "DENY");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "same-origin");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    // Pages show private state: never keep them in shared or back/forward caches.
    if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
    if (options.hsts(c)) h.set("Strict-Transport-Security", "max-age=31536000");
  };
}
