import type { Context, Hono } from "hono";
import { ForbiddenError, UnavailableError, UsageError, type AccessControl, type Principal } from "@qs/core";
import type { TerminalHub } from "../terminal/hub.ts";
import { authenticateRequest } from "./auth.ts";
import { checkAppAccess, checkTerminalTarget, parseTerminalRequest } from "../terminal/request.ts";
import { acceptWebSocket, wantsWebSocket } from "../terminal/upgrade.ts";

type Vars = { Variables: { principal: Principal } };

/**
 * `GET /apps/{app}/exec` over WebSocket with a bearer token: the web terminal's session for
 * tools, with the same checks, limits and audit. A browser page of another site cannot use
 * it: a handshake with a foreign Origin is refused (cached Basic credentials would go along).
 */
export function mountExecRoute(api: Hono<Vars>, deps: { terminals?: TerminalHub; access: AccessControl }): void {
  api.get("/apps/:app/exec", async (c) => {
    const hub = deps.terminals;
    if (hub === undefined) throw new UnavailableError("NOT_CONFIGURED", "exec is not available on this control plane");
    if (!wantsWebSocket(c)) throw new UsageError("exec is a WebSocket endpoint", { hint: "connect with a WebSocket client (Upgrade: websocket); see /api/v1/openapi.json" });
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== ownOrigin(c)) throw new ForbiddenError("exec refuses WebSocket handshakes from other sites");
    const principal = c.get("principal");
    const request = parseTerminalRequest(c.req.param("app"), c.req.query());
    await checkTerminalTarget(hub.services, principal, request);
    // The token is kept only in this closure, to notice a revoked token or a removed grant.
    const authorization = c.req.header("authorization") ?? "";
    const owner = {
      principal,
      via: "api" as const,
      stillAllowed: async (): Promise<string | undefined> => {
        try {
          const now = await authenticateRequest(deps.access, authorization);
          await checkAppAccess(hub.services, now, request.app);
          return undefined;
        } catch {
          return `the token no longer gives access to ${request.app}`;
        }
      },
    };
    const release = hub.reserve(owner);
    return acceptWebSocket(c, { open: (ws) => hub.run(ws, owner, request, release), abandon: release });
  });
}

function ownOrigin(c: Context): string {
  const url = new URL(c.req.url);
  return `${url.protocol}//${c.req.header("host") ?? url.host}`;
}

/** The OpenAPI entry of the exec WebSocket (added to the generated document). */
export const EXEC_OPENAPI_PATH = {
  get: {
    operationId: "appsExec",
    summary: "Open a terminal session (WebSocket) in a running container of the app",
    description: [
      "Upgrade to a WebSocket (RFC 6455) with Authorization: Bearer TOKEN. Runs what `apps:enter` runs, with a TTY.",
      "Client → server: binary frames are keystrokes; text frames are JSON: {\"type\":\"resize\",\"cols\":N,\"rows\":N} or {\"type\":\"input\",\"data\":\"…\"}.",
      "Server → client: binary frames are terminal output; text frames are JSON: {\"type\":\"started\",\"pod\":…}, {\"type\":\"notice\",\"message\":…},",
      "and last {\"type\":\"end\",\"reason\":\"exited|idle|pod-gone|logged-out|access-lost|closed|shutdown|error\",\"message\":…,\"exitCode\":N} before the server closes.",
      "Sessions are limited per user and per control plane (429), end after a while without traffic, and are recorded in the audit log (never their input or output).",
    ].join(" "),
    parameters: [
      { name: "app", in: "path", required: true, schema: { type: "string" } },
      { name: "process", in: "query", required: false, schema: { type: "string" }, description: "process type (default web, else the first)" },
      { name: "pod", in: "query", required: false, schema: { type: "string" }, description: "a running pod of the app (default: the first ready pod of the process)" },
      { name: "command", in: "query", required: false, schema: { type: "string" }, description: "command line, split like an SSH command (no shell); default the shell apps:enter opens" },
      { name: "cols", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 1000, default: 80 } },
      { name: "rows", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 1000, default: 24 } },
    ],
    responses: {
      "101": { description: "Switching Protocols: the session runs over the WebSocket" },
      "400": { description: "Not a WebSocket request, or bad parameters" },
      "401": { description: "No valid API token" },
      "403": { description: "No access to the app, or a foreign Origin" },
      "404": { description: "No such app, or no running process or pod" },
      "429": { description: "Too many open sessions" },
    },
  },
} as const;
