import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { describeError, httpStatusOf, QsError, type Logger } from "@qs/core";
import { createApiRouter, type ApiRouterDeps } from "./api/index.ts";
import { createStatusPages, type StatusPagesOptions } from "./status/index.ts";

/** A readiness check: resolves when the part is ready, throws saying why it is not. */
export type ReadinessCheck = () => Promise<void>;

/** What the HTTP app needs from the rest of the control plane. */
export interface HttpAppOptions {
  logger: Logger;
  /** Named checks run by /readyz, e.g. `{ redis, kubernetes }`. */
  readiness: Readonly<Record<string, ReadinessCheck>>;
  /** Deps of the /api/v1 router (packages/web/src/api); without them there is no API. */
  api?: ApiRouterDeps;
  /** Options of the status pages and login at `/`; without them there are none. */
  statusPages?: StatusPagesOptions;
  /** Mounts more routes (git smart HTTP, hooks) after the API and before the pages. */
  mount?: (app: Hono) => void;
}

// Request → id, without widening hono's context type for every router mounted below.
const requestIds = new WeakMap<Request, string>();

/** Builds the hono app: health endpoints now; API, smart HTTP and pages mount here. */
export function createHttpApp(options: HttpAppOptions): Hono {
  const app = new Hono();

  // Every request gets an id (the caller's X-Request-Id when it is a sane token, so a
  // proxy's id carries through), echoed in the response and on every log line about it.
  app.use(async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    requestIds.set(c.req.raw, requestId);
    c.header("X-Request-Id", requestId);
    const started = Date.now();
    await next();
    options.logger.debug(
      { requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started },
      "request",
    );
  });

  app.get("/healthz", (c) => c.text("ok\n"));

  app.get("/readyz", async (c) => {
    const results = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await check();
          return { name, ok: true as const };
        } catch (err) {
          return { name, ok: false as const, reason: describeError(err) };
        }
      }),
    );
    const failing = results.filter((r) => !r.ok);
    const body = results
      .map((r) => (r.ok ? `${r.name}: ok` : `${r.name}: not ready — ${r.reason}`))
      .join("\n");
    return c.text(`${body}\n`, failing.length === 0 ? 200 : 503);
  });

  if (options.api) app.route("/api/v1", createApiRouter(options.api));
  options.mount?.(app);
  // Last: the pages own "/" and the login; every more specific route above wins.
  if (options.statusPages) app.route("/", createStatusPages(options.statusPages));

  app.onError((err, c) => {
    const status = httpStatusOf(err);
    if (!(err instanceof QsError))
      options.logger.error({ err, requestId: requestIds.get(c.req.raw), path: c.req.path }, "request failed");
    const payload =
      err instanceof QsError ? err.toJSON() : { code: "INTERNAL", message: describeError(err) };
    return c.json({ error: payload }, status as 400);
  });

  return app;
}
