import type { Hono } from "hono";
import {
  isDns1123Label,
  shortSha,
  type AppStore,
  type AuditLog,
  type Logger,
  type OutputSink,
  type SourceDeployer,
} from "@qs/core";
import { WebhookRejectedError, parsePushPayload, verifyDelivery, type VerifiedDelivery } from "./verify.ts";

/** What the webhook route needs. */
export interface WebhookRouteOptions {
  readonly apps: AppStore;
  /** The app's webhook secret; undefined when apps:webhook was never run for it. */
  readonly secrets: { get(app: string): Promise<string | undefined> };
  /** Remembers a delivery id; false when it was seen before (a replay). */
  readonly deliveries: { firstTime(app: string, sender: string, id: string): Promise<boolean> };
  readonly sources: SourceDeployer;
  readonly logger: Logger;
  readonly audit?: AuditLog;
  /** Deliveries per app per minute. @defaultValue 30 */
  readonly perMinute?: number;
  /** Largest body read. @defaultValue 1 MiB (GitHub caps payloads at 25 MB; pushes are far smaller) */
  readonly maxBodyBytes?: number;
  /** Milliseconds since epoch. @defaultValue Date.now */
  readonly now?: () => number;
}

/** `POST /hooks/apps/{app}`: verified push deliveries deploy the app's source branch. */
export function mountWebhooks(hono: Hono, options: WebhookRouteOptions): void {
  const now = options.now ?? Date.now;
  const perMinute = options.perMinute ?? 30;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const windows = new Map<string, { start: number; count: number }>();
  const answer = (status: number, result: string, message: string, extra: Record<string, unknown> = {}) =>
    Response.json({ result, message, ...extra }, { status });

  hono.post("/hooks/apps/:app", async (c) => {
    const app = c.req.param("app");
    if (!isDns1123Label(app, 30)) return answer(404, "refused", "no such webhook");
    // Fixed one-minute window per app: enough to stop a flood, never in a real host's way.
    const w = windows.get(app);
    const t = now();
    if (w === undefined || t - w.start >= 60_000) windows.set(app, { start: t, count: 1 });
    else if (++w.count > perMinute) return answer(429, "refused", `more than ${perMinute} deliveries a minute for ${app}`);
    if (windows.size > 10_000) windows.clear();

    const secret = (await options.apps.exists(app)) ? await options.secrets.get(app) : undefined;
    if (secret === undefined) return answer(404, "refused", "no such webhook", { hint: "run ssh qs apps:webhook APP for the URL and secret" });
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > maxBody) return answer(413, "refused", `the body is over ${maxBody} bytes`);
    const body = Buffer.from(await c.req.arrayBuffer());
    if (body.length > maxBody) return answer(413, "refused", `the body is over ${maxBody} bytes`);

    let delivery: VerifiedDelivery;
    let push: { branch: string; sha: string } | undefined;
    try {
      delivery = verifyDelivery((name) => c.req.header(name), body, secret, t);
      if (!(await options.deliveries.firstTime(app, delivery.sender, delivery.id))) {
        throw new WebhookRejectedError("WEBHOOK_REPLAY", 409, `delivery ${delivery.id} was received before; nothing was done`);
      }
      push = delivery.event === "push" ? parsePushPayload(body) : undefined;
    } catch (err) {
      if (!(err instanceof WebhookRejectedError)) throw err;
      options.logger.warn({ app, code: err.code }, "webhook delivery refused");
      await options.audit
        ?.record({ at: new Date(t).toISOString(), user: "webhook", command: "webhook", args: [], app, exitCode: 1, error: err.code, via: "webhook" })
        .catch((e: unknown) => options.logger.warn({ err: (e as Error).message }, "could not audit a refused webhook"));
      return answer(err.status, "refused", err.message, { code: err.code, ...(err.hint === undefined ? {} : { hint: err.hint }) });
    }
    if (delivery.event === "ping") return answer(200, "ok", "pong: the webhook is set up");
    if (push === undefined) return answer(202, "ignored", `a ${delivery.event || "non-push"} event does not deploy`);

    const spec = (await options.apps.get(app)).spec;
    if (spec.source === undefined) {
      return answer(409, "ignored", `${app} has no source URL to fetch from`, {
        hint: `ssh qs apps:source-set ${app} https://git.example.com/team/${app}.git --branch ${push.branch}`,
      });
    }
    if (push.branch !== spec.source.branch) {
      return answer(202, "ignored", `a push to ${push.branch} does not deploy; the branch of ${app} is ${spec.source.branch}`);
    }
    // Git hosts give up on a webhook after ~10 s: the build runs on, its output is kept by
    // the build queue (apps:builds-output) and its end is logged.
    const log: OutputSink = { line: () => undefined };
    const principal = { user: `webhook:${delivery.sender}`, role: "developer" as const };
    void options.sources
      .deploy({ app, ref: push.sha, principal }, log, new AbortController().signal)
      .then(
        (r) => options.logger.info({ app, sha: shortSha(push.sha), ok: r.ok }, "webhook deploy finished"),
        (err: unknown) => options.logger.warn({ app, err: (err as Error).message }, "webhook deploy failed"),
      );
    return answer(202, "deploying", `deploying ${shortSha(push.sha)} of ${push.branch} to ${app}`, {
      sha: push.sha,
      output: `ssh qs apps:builds-output ${app}`,
    });
  });
}
