import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Hono } from "hono";
import { createUpgradeListener } from "./terminal/upgrade.ts";

/** A listening HTTP server. */
export interface HttpServer {
  readonly port: number;
  /** Stops accepting, waits for open requests to finish (up to graceMs), then closes. */
  close(graceMs?: number): Promise<void>;
}

/** Serves a hono app on host:port (port 0 = a free port). */
export async function serveHttp(app: Hono, host: string, port: number): Promise<HttpServer> {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once("error", reject);
  });
  // WebSocket upgrades (the terminal) go through the app's routes first; see upgrade.ts.
  server.on("upgrade", createUpgradeListener(app));
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if ("closeAllConnections" in server) server.closeAllConnections();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      });
      return closing;
    },
  };
}
