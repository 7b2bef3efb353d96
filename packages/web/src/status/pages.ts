import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { AppNotFoundError, describeError, ForbiddenError, httpStatusOf, parseAppName, QsError, type MetricSample, type MetricSeries } from "@qs/core";
import { ASSET_VERSIONS, LIVE_SCRIPT, STYLESHEET } from "./assets.ts";
import { TERMINAL_ASSETS } from "./terminal-assets.ts";
import { checkLogin, INVALID_LOGIN } from "./login-flow.ts";
import { resolveOptions, type ResolvedOptions, type StatusPagesOptions } from "./options.ts";
import { securityHeaders } from "./security.ts";
import {
  clearCookie,
  clientAddress,
  isHttps,
  LOGIN_CSRF_COOKIE,
  loadSession,
  randomToken,
  readCookie,
  sameOrigin,
  sameToken,
  SESSION_COOKIE,
  startSession,
  writeCookie,
  type ActiveSession,
} from "./session.ts";
import { wantsWebSocket } from "../terminal/upgrade.ts";
import { LOGGED_OUT, mountTerminal } from "./terminal-routes.ts";
import { appPage } from "./views/app.ts";
import { messagePage, type LayoutUser } from "./views/layout.ts";
import { loginPage } from "./views/login.ts";
import { nodesPage } from "./views/nodes.ts";
import { overviewPage } from "./views/overview.ts";

const DAY_MS = 86_400_000;

// The session found by requireSession, per request (a WeakMap keeps hono's Env plain so
// the sub-app mounts anywhere).
const activeSessions = new WeakMap<Context, ActiveSession>();
function activeOf(c: Context): ActiveSession {
  const active = activeSessions.get(c);
  if (!active) throw new Error("requireSession did not run for this route");
  return active;
}

/** Only local paths after login (no open redirect to another site). */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : "/";
}

const layoutUser = (a: ActiveSession): LayoutUser => ({
  principal: a.principal,
  csrfToken: a.session.csrfToken,
  ...(a.recoveryCodesLeft === undefined ? {} : { recoveryCodesLeft: a.recoveryCodesLeft }),
});

/**
 * The status pages and login: mount with `app.route("/", createStatusPages(options))`.
 * Every page reads through options.status, which applies the same authorisation as SSH.
 */
export function createStatusPages(input: StatusPagesOptions): Hono {
  const options: ResolvedOptions = resolveOptions(input);
  const pages = new Hono();

  pages.use("*", securityHeaders({ hsts: (c) => isHttps(c, options) }));

  const asset = (body: string, type: string) => (c: Context) =>
    c.body(body, 200, { "Content-Type": type, "Cache-Control": "public, max-age=31536000, immutable" });
  pages.get("/static/qs.css", asset(STYLESHEET, "text/css; charset=utf-8"));
  pages.get("/static/live.js", asset(LIVE_SCRIPT, "text/javascript; charset=utf-8"));
  for (const [path, file] of Object.entries(TERMINAL_ASSETS)) pages.get(`/static/${path}`, asset(file.body, file.type));

  const renderLogin = (c: Context, status: 200 | 401 | 403 | 429, fields: { error?: string; user?: string; next?: string } = {}) => {
    // A fresh token on every render: the double-submit pair for the pre-login form.
    const token = randomToken();
    writeCookie(c, options, LOGIN_CSRF_COOKIE, token, 3600);
    return c.html(loginPage({ csrfToken: token, ...fields }), status);
  };

  // The forms are a few hundred bytes; refuse big bodies before parsing them.
  for (const path of ["/login", "/logout", "/logout-everywhere"])
    pages.post(path, bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text("form too large\n", 413) }));

  pages.get("/login", async (c) => {
    if (await loadSession(c, options)) return c.redirect("/", 303);
    return renderLogin(c, 200, { next: safeNext(c.req.query("next")) });
  });

  pages.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === "string" ? form[name] : "");
    const user = field("user");
    const next = safeNext(field("next"));
    if (!sameOrigin(c, options) || !sameToken(field("_csrf"), readCookie(c, options, LOGIN_CSRF_COOKIE))) {
      return renderLogin(c, 403, { error: "The form expired. Please try again.", user, next });
    }
    const outcome = await checkLogin(
      { user, password: field("password"), code: field("code"), address: clientAddress(c, options) },
      options,
    );
    if (!outcome.ok) {
      if (outcome.reason === "throttled") {
        const seconds = Math.ceil(outcome.retryAfterMs / 1000);
        c.header("Retry-After", String(seconds));
        return renderLogin(c, 429, { error: `Too many failed attempts. Try again in ${seconds} s.`, user, next });
      }
      if (outcome.reason === "2fa-required")
        return renderLogin(c, 403, {
          error: "Admins need two-factor authentication: run `ssh qs users:2fa-enable` first.",
          user,
          next,
        });
      return renderLogin(c, 401, { error: INVALID_LOGIN, user, next });
    }
    clearCookie(c, options, LOGIN_CSRF_COOKIE);
    await startSession(c, options, outcome.account);
    options.logger.info({ user: outcome.principal.user, recovery: outcome.usedRecoveryCode }, "web login");
    return c.redirect(next, 303);
  });

  // Logout (this session) and logout everywhere (every session of the user): both are
  // form POSTs with the session's CSRF token.
  const logout = (everywhere: boolean) => async (c: Context) => {
    const active = await loadSession(c, options);
    const form = await c.req.parseBody();
    if (active && (!sameOrigin(c, options) || !sameToken(typeof form._csrf === "string" ? form._csrf : undefined, active.session.csrfToken)))
      return c.html(messagePage("Refused", "The form expired or came from another site. Reload the page and try again."), 403);
    if (active && everywhere) await options.sessions.deleteAllForUser(active.principal.user);
    else if (active) await options.sessions.delete(active.session.id);
    if (active && everywhere) options.terminals?.endForUser(active.principal.user, LOGGED_OUT);
    else if (active) options.terminals?.endForWebSession(active.session.id, LOGGED_OUT);
    clearCookie(c, options, SESSION_COOKIE);
    return c.redirect("/login", 303);
  };
  pages.post("/logout", logout(false));
  pages.post("/logout-everywhere", logout(true));

  // Everything below needs a session.
  const requireSession = async (c: Context, next: () => Promise<void>) => {
    const active = await loadSession(c, options);
    if (!active) {
      if (c.req.header("accept")?.includes("text/event-stream") || wantsWebSocket(c)) return c.text("log in first\n", 401);
      const path = new URL(c.req.url).pathname;
      return c.redirect(`/login${path === "/" ? "" : `?next=${encodeURIComponent(path)}`}`, 303);
    }
    activeSessions.set(c, active);
    await next();
    return undefined;
  };
  pages.use("/", requireSession);
  pages.use("/apps/*", requireSession);
  pages.use("/nodes", requireSession);

  const history = async (series: MetricSeries): Promise<readonly MetricSample[]> =>
    options.metrics.read(series, options.now() - DAY_MS);

  pages.get("/", async (c) => {
    const active = activeOf(c);
    const apps = await options.status.listApps(active.principal);
    const entries = await Promise.all(apps.map(async (a) => [a.name, await history(`app:${a.name}`)] as const));
    return c.html(overviewPage({ user: layoutUser(active), apps, history: new Map(entries) }));
  });

  pages.get("/apps/:name", async (c) => {
    const active = activeOf(c);
    const name = parseAppName(c.req.param("name"));
    const app = await options.status.getApp(active.principal, name);
    return c.html(appPage({ user: layoutUser(active), app, history: await history(`app:${name}`), tail: [], terminal: options.terminals !== undefined }));
  });

  pages.get("/apps/:name/logs", async (c) => {
    const active = activeOf(c);
    const name = parseAppName(c.req.param("name"));
    // Check access before the stream starts, so refusals are plain HTTP errors.
    await options.status.getApp(active.principal, name);
    return streamSSE(c, async (stream) => {
      const controller = new AbortController();
      // A comment line now and then keeps proxies (Traefik's idle timeout) from cutting a
      // quiet stream; EventSource ignores it (WHATWG HTML §9.2 "lines starting with :").
      const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n"), options.sseKeepAliveMs);
      stream.onAbort(() => {
        clearInterval(keepAlive);
        controller.abort();
      });
      const done = options.status.logs(
        active.principal,
        name,
        (line) => {
          void stream.writeSSE({ event: "line", data: `${line.source}: ${line.line}`.replace(/[\r\n]+/g, " ") });
        },
        controller.signal,
      );
      try {
        await done;
      } catch (err) {
        if (!controller.signal.aborted) await stream.writeSSE({ event: "line", data: `-- log stream ended: ${describeError(err)}` });
      } finally {
        clearInterval(keepAlive);
      }
    });
  });

  if (options.terminals) mountTerminal(pages, options, options.terminals, { activeOf, layoutUser });

  pages.get("/nodes", async (c) => {
    const active = activeOf(c);
    if (active.principal.role !== "admin") throw new ForbiddenError("Only admins may see the nodes.");
    const nodes = await options.status.nodes(active.principal);
    const entries = await Promise.all(nodes.map(async (n) => [n.name, await history(`node:${n.name}`)] as const));
    const health = await options.status.health?.(active.principal);
    return c.html(nodesPage({ user: layoutUser(active), nodes, history: new Map(entries), ...(health === undefined ? {} : { health }) }));
  });

  pages.onError((err, c) => {
    const status = httpStatusOf(err);
    if (!(err instanceof QsError)) options.logger.error({ err, path: c.req.path }, "page failed");
    const active = activeSessions.get(c);
    const user = active ? layoutUser(active) : undefined;
    if (err instanceof AppNotFoundError || status === 404)
      return c.html(messagePage("Not found", err instanceof QsError ? err.message : "No such page.", user), 404);
    const message = err instanceof QsError ? err.message : "Something went wrong; the control plane log says more.";
    return c.html(messagePage("Error", message, user), status as 500);
  });

  return pages;
}

/** Asset versions, exported for the page-weight bench. */
export { ASSET_VERSIONS };
