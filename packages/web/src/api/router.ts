import { PassThrough, Readable } from "node:stream";
import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  QsError,
  UsageError,
  describeError,
  httpStatusOf,
  type AccessControl,
  type Logger,
  type Principal,
} from "@qs/core";
import {
  buildOpenApi,
  defaultRegistry,
  invokeCommand,
  type ApiInput,
  type Command,
  type CommandIO,
  type CommandServices,
  type Registry,
} from "@qs/commands";
import type { TerminalHub } from "../terminal/hub.ts";
import { authenticateRequest } from "./auth.ts";
import { EXEC_OPENAPI_PATH, mountExecRoute } from "./exec-route.ts";

/** What the API needs. */
export interface ApiRouterDeps {
  readonly services: CommandServices;
  /** Checks bearer tokens. @defaultValue services.access */
  readonly access?: AccessControl;
  /** The verbs. @defaultValue defaultRegistry() */
  readonly registry?: Registry;
  readonly logger?: Logger;
  /** Largest JSON body accepted (config values are ≤ 32 KiB each, 256 KiB in all). @defaultValue 1 MiB */
  readonly maxBodyBytes?: number;
  /** The web terminal's sessions; with it GET /apps/{app}/exec opens one over WebSocket. */
  readonly terminals?: TerminalHub;
}

type Vars = { Variables: { principal: Principal } };

/**
 * The HTTP face of the command layer, to mount at /api/v1:
 * `app.route("/api/v1", createApiRouter(deps))`. Each verb's REST route (and
 * POST /commands/{name} for any verb) turns the request into the same arguments the SSH
 * face parses, runs it as the token's user, and answers its JSON result, or
 * `{error: {code, message, hint}}` with the status of httpStatusOf. With
 * `Accept: text/event-stream`, POST /commands/{name} streams output lines as SSE.
 */
export function createApiRouter(deps: ApiRouterDeps): Hono<Vars> {
  const registry = deps.registry ?? defaultRegistry();
  const access = deps.access ?? deps.services.access;
  const maxBody = deps.maxBodyBytes ?? 1024 * 1024;
  const api = new Hono<Vars>();
  const generated = buildOpenApi(registry) as { paths: Record<string, unknown> };
  const openapi = { ...generated, paths: { ...generated.paths, "/apps/{app}/exec": EXEC_OPENAPI_PATH } };

  api.onError((err, c) => errorResponse(c, err, deps.logger));
  api.notFound((c) =>
    c.json({ error: { code: "NOT_FOUND", message: `no API route ${c.req.method} ${c.req.path}`, hint: "see /api/v1/openapi.json" } }, 404),
  );

  api.get("/openapi.json", (c) => c.json(openapi));

  api.use("*", async (c, next) => {
    c.set("principal", await authenticateRequest(access, c.req.header("authorization")));
    await next();
  });

  mountExecRoute(api, { access, ...(deps.terminals === undefined ? {} : { terminals: deps.terminals }) });

  for (const command of registry.commands) {
    const route = command.api;
    if (route === undefined) continue;
    const path = route.path.replace(/\{(\w+)\}/g, ":$1");
    api.on(route.method.toUpperCase(), path, async (c) => {
      const body = route.method === "get" ? {} : await readBody(c, maxBody);
      const input: ApiInput = { params: c.req.param(), query: c.req.query(), body };
      return runJson(c, command, route.toArgs(input), deps);
    });
  }

  api.post("/commands/:name", async (c) => {
    const command = registry.find(c.req.param("name"));
    if (command === undefined) throw new UsageError(`unknown command "${c.req.param("name").slice(0, 40)}"`, { hint: "see /api/v1/openapi.json" });
    const body = await readBody(c, maxBody);
    const args = body.args ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
      throw new UsageError('body field "args" must be an array of strings');
    }
    if (!(c.req.header("accept") ?? "").includes("text/event-stream")) return runJson(c, command, args, deps);
    return streamSSE(c, async (sse) => {
      const stdout = new PassThrough();
      const controller = new AbortController();
      sse.onAbort(() => controller.abort());
      const lines: Promise<void>[] = [];
      let partial = "";
      stdout.on("data", (chunk: Buffer) => {
        const text = partial + chunk.toString("utf8");
        const parts = text.split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) lines.push(sse.writeSSE({ event: "line", data: line }));
      });
      const io: CommandIO = { stdin: Readable.from([]), stdout, stderr: stdout };
      // Not json: verbs then write their progress lines (rollouts, logs), which is the
      // point of streaming; the result still arrives as JSON in the last event.
      const outcome = await invokeCommand(command.name, args, c.get("principal"), io, deps.services, controller.signal, {
        registry,
        via: "api",
        json: false,
      });
      stdout.end();
      if (partial !== "") lines.push(sse.writeSSE({ event: "line", data: partial }));
      await Promise.all(lines);
      await sse.writeSSE(
        outcome.ok
          ? { event: "result", data: JSON.stringify(outcome.result.json ?? null) }
          : { event: "error", data: JSON.stringify({ error: errorPayload(outcome.error), status: httpStatusOf(outcome.error) }) },
      );
    });
  });

  async function runJson(c: Context<Vars>, command: Command, args: readonly string[], d: ApiRouterDeps): Promise<Response> {
    // Progress lines (release rollouts) have no place in a JSON answer; they are dropped.
    const sink = new PassThrough();
    sink.resume();
    const io: CommandIO = { stdin: Readable.from([]), stdout: sink, stderr: sink };
    const outcome = await invokeCommand(command.name, args, c.get("principal"), io, d.services, c.req.raw.signal, {
      registry,
      via: "api",
      json: true,
    });
    sink.end();
    if (!outcome.ok) return errorResponse(c, outcome.error, d.logger);
    return c.json((outcome.result.json ?? null) as object, 200);
  }

  return api;
}

async function readBody(c: Context<Vars>, max: number): Promise<Record<string, unknown>> {
  const length = Number(c.req.header("content-length") ?? "0");
  if (length > max) throw new UsageError(`request body is larger than ${max} bytes`);
  const text = await c.req.text();
  if (Buffer.byteLength(text) > max) throw new UsageError(`request body is larger than ${max} bytes`);
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError("request body is not valid JSON", { hint: "send a JSON object with Content-Type: application/json" });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError("request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function errorPayload(err: unknown): { code: string; message: string; hint?: string } {
  return err instanceof QsError ? err.toJSON() : { code: "INTERNAL", message: describeError(err) };
}

function errorResponse(c: Context, err: unknown, logger: Logger | undefined): Response {
  if (!(err instanceof QsError)) logger?.error({ err, path: c.req.path }, "api request failed");
  const status = httpStatusOf(err) as ContentfulStatusCode;
  if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="quickstack"');
  return c.json({ error: errorPayload(err) }, status);
}
