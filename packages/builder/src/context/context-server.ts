import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ContextStore } from "./context-store.ts";

/** A running context server. */
export interface ContextServer {
  readonly port: number;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}

/**
 * Serves a ContextStore on its own port (the in-cluster port builder pods reach), so the
 * public HTTP server never exposes build contexts. Everything else is 404.
 */
export async function startContextServer(
  store: ContextStore,
  options: { host?: string; port?: number } = {},
): Promise<ContextServer> {
  const server: Server = createServer((req, res) => {
    if (!store.handle(req, res))
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
