import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";
import type { Context, Hono } from "hono";
import { WebSocketServer, type WebSocket } from "ws";

/** What runs once a route has accepted an upgrade: `open` after the handshake, `abandon` when it never happens. */
export interface WebSocketHandler {
  readonly open: (socket: WebSocket) => void;
  readonly abandon: () => void;
}

// Request → handler: a route accepts by registering here; the server's upgrade listener
// finds it after app.fetch, so every check (middleware, session, CSRF) runs in hono first.
const accepted = new WeakMap<Request, WebSocketHandler>();

/** Frames larger than this are refused (keystrokes and resize messages are tiny). */
export const MAX_FRAME_BYTES = 64 * 1024;

/** True when the request asks for a WebSocket (RFC 6455 §4.1: Upgrade: websocket). */
export function wantsWebSocket(c: Context): boolean {
  return c.req.header("upgrade")?.toLowerCase() === "websocket";
}

/**
 * Accepts the upgrade of this request: the handshake happens after the route returns.
 * Under app.request() (no socket) the answer is a plain 200, which tests read as "accepted".
 */
export function acceptWebSocket(c: Context, handler: WebSocketHandler): Response {
  accepted.set(c.req.raw, handler);
  return c.body(null, 200);
}

/** Upgrade handling for a node HTTP server: routes decide, refusals are plain HTTP answers. */
export function createUpgradeListener(app: Hono): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  return (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, { method: req.method ?? "GET", headers });
    void (async () => {
      let response: Response;
      try {
        // `incoming` is what @hono/node-server's getConnInfo reads the client address from.
        response = await app.fetch(request, { incoming: req });
      } catch {
        response = new Response("internal error\n", { status: 500 });
      }
      const handler = accepted.get(request);
      if (handler !== undefined && response.status === 200) {
        let opened = false;
        socket.once("close", () => {
          if (!opened) handler.abandon();
        });
        wss.handleUpgrade(req, socket, head, (ws) => {
          opened = true;
          handler.open(ws);
        });
        return;
      }
      handler?.abandon();
      const body = Buffer.from(await response.arrayBuffer());
      const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`];
      response.headers.forEach((value, name) => {
        if (name !== "content-length" && name !== "transfer-encoding" && name !== "connection") lines.push(`${name}: ${value}`);
      });
      lines.push(`content-length: ${body.length}`, "connection: close", "", "");
      socket.end(Buffer.concat([Buffer.from(lines.join("\r\n")), body]));
    })();
  };
}
