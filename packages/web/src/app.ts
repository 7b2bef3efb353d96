import { Hono, type Env, type Schema } from "hono";
import { describeError, httpStatusOf, QsError, type Logger } from "@qs/core";

/** A readiness check: resolves when the part is ready, throws saying why it is not. */
export type ReadinessCheck = () => Promise<void>;

/** What the HTTP app needs from the rest of the control plane. */
export interface HttpAppOptions {
  logger: Logger;
  /** Named checks run by /readyz, e.g. `{ redis, kubernetes }`. */
  readiness: Readonly<Record<string, ReadinessCheck>>;
  /**
   * Sub-apps mounted in order after the health endpoints, e.g.
   * `[{ path: "/api/v1", app: createApiRouter(deps) }, { path: "/", app: createStatusPages(opts) }]`.
   * @defaultValue []
   */
  routes?: ReadonlyArray<{ readonly path: string; readonly app: Hono<Env, Schema, string> }>;
}

/** Builds the hono app: health endpoints now; API, smart HTTP and pages mount here. */
export function createHttpApp(options: HttpAppOptions): Hono {
  const app = new Hono();

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

  for (const route of options.routes ?? []) app.route(route.path, route.app);

  app.onError((err, c) => {
    const status = httpStatusOf(err);
    if (!(err instanceof QsError))
      options.logger.error({ err, path: c.req.path }, "request failed");
    const payload =
      err instanceof QsError ? err.toJSON() : { code: "INTERNAL", message: describeError(err) };
    return c.json({ error: payload }, status as 400);
  });

  return app;
}
