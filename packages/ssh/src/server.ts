import ssh2 from "ssh2";
import type { AddressInfo } from "node:net";
import type { ExecChannel, Logger, OfferedKey, Principal } from "@qs/core";

export type { ExecChannel, OfferedKey } from "@qs/core";

/** Options for createSshServer. */
export interface SshServerOptions {
  hostKey: Buffer;
  logger: Logger;
  /** Maps a verified public key to a principal; undefined refuses the key. */
  authenticate(user: string, key: OfferedKey): Promise<Principal | undefined>;
  /** Runs one exec request to completion; must call channel.exit. */
  onExec(principal: Principal, command: string, channel: ExecChannel): Promise<void>;
  /** Clients that have not authenticated within this many ms are dropped. @defaultValue 30000 */
  authTimeoutMs?: number;
}

/** A listening SSH server. */
export interface SshServer {
  readonly port: number;
  /** Open sessions right now (for graceful shutdown). */
  activeSessions(): number;
  /** Stops accepting; existing sessions go on until they end or close(…, force) drops them. */
  close(graceMs?: number): Promise<void>;
}

/** Starts an SSH server: public-key auth only, exec requests only (no shell, no forwarding). */
export async function createSshServer(
  options: SshServerOptions,
  host: string,
  port: number,
): Promise<SshServer> {
  const clients = new Set<ssh2.Connection>();
  let sessions = 0;
  const server = new ssh2.Server({ hostKeys: [options.hostKey] }, (client) => {
    clients.add(client);
    let principal: Principal | undefined;
    const authTimer = setTimeout(() => {
      if (principal === undefined) client.end();
    }, options.authTimeoutMs ?? 30_000);
    client.on("close", () => {
      clearTimeout(authTimer);
      clients.delete(client);
    });
    client.on("error", (err) => options.logger.debug({ err: err.message }, "ssh client error"));
    client.on("authentication", (ctx) => {
      if (ctx.method !== "publickey") {
        ctx.reject(["publickey"]);
        return;
      }
      const key = { algorithm: ctx.key.algo, data: ctx.key.data };
      void options.authenticate(ctx.username, key).then(
        (who) => {
          if (who === undefined) return ctx.reject(["publickey"]);
          // ssh2 checks the signature itself when ctx.signature is present; without one
          // the client only asks whether the key would be accepted.
          if (ctx.signature !== undefined) principal = who;
          ctx.accept();
        },
        (err: unknown) => {
          options.logger.error({ err }, "ssh authentication failed");
          ctx.reject(["publickey"]);
        },
      );
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        let pty: ExecChannel["pty"];
        const resizeListeners: ((size: { cols: number; rows: number }) => void)[] = [];
        session.on("pty", (accept, _reject, info) => {
          pty = { cols: info.cols, rows: info.rows, term: info.term };
          accept?.();
        });
        session.on("window-change", (accept, _reject, info) => {
          accept?.();
          for (const l of resizeListeners) l({ cols: info.cols, rows: info.rows });
        });
        session.on("env", (accept) => accept?.());
        session.on("shell", (_accept, reject) => reject());
        session.on("exec", (accept, _reject, info) => {
          const stream = accept();
          const who = principal;
          if (who === undefined) {
            stream.exit(1);
            stream.end();
            return;
          }
          sessions++;
          let exited = false;
          const closeListeners: (() => void)[] = [];
          stream.on("close", () => {
            if (!exited) for (const l of closeListeners) l();
          });
          const channel: ExecChannel = {
            stdin: stream,
            stdout: stream,
            stderr: stream.stderr,
            pty,
            exit(code) {
              if (exited) return;
              exited = true;
              sessions--;
              stream.exit(code);
              stream.end();
            },
            onResize: (l) => resizeListeners.push(l),
            onClose: (l) => closeListeners.push(l),
          };
          options.onExec(who, info.command, channel).catch((err: unknown) => {
            options.logger.error({ err }, "ssh exec failed");
            channel.stderr.write("internal error (see the control plane log)\n");
            channel.exit(1);
          });
        });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    activeSessions: () => sessions,
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const c of clients) c.end();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        // Idle connections (no exec running) can go now.
        if (sessions === 0) for (const c of clients) c.end();
      });
      return closing;
    },
  };
}
