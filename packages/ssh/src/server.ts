import ssh2 from "ssh2";
import type { AddressInfo } from "node:net";
import { escapeControls, type ExecChannel, type Logger, type OfferedKey, type Principal } from "@qs/core";
import { failSession, letClientCloseFirst, remoteChannelOf, sendAuthBanner } from "./wire.ts";

export type { ExecChannel, OfferedKey } from "@qs/core";

/** Options for createSshServer. */
export interface SshServerOptions {
  hostKey: Buffer;
  logger: Logger;
  /** Maps a verified public key to a principal; undefined refuses the key. */
  authenticate(user: string, key: OfferedKey): Promise<Principal | undefined>;
  /**
   * Runs one exec request to completion; must call channel.exit. A session without a
   * command (`ssh qs`, a shell request) arrives as the empty command.
   */
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

/** The only user name accepted, as on GitHub: who you are is the key, not the name. */
export const SSH_USER = "git";

/**
 * ssh2 drops the connection on any packet over 35000 bytes (RFC 4253 §6.1's minimum; its
 * decipher throws "Bad packet length"), so an exec request that long never arrives.
 */
const OVERSIZE_PACKET = /^Bad packet length/;

/**
 * Starts an SSH server: public-key auth as `git` only; exec requests, and a session
 * without a command runs the empty command (help). No forwarding.
 */
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
    // Sessions opened but with no exec or shell request yet: the ones an oversize request
    // was meant for.
    const waiting = new Set<ssh2.Session>();
    client.on("error", (err) => {
      if (principal !== undefined && OVERSIZE_PACKET.test(err.message)) {
        options.logger.warn({ user: principal.user, sessions: waiting.size }, "ssh request over 35000 bytes refused");
        let answered = false;
        for (const session of waiting) {
          const remote = remoteChannelOf(session);
          if (remote !== undefined) answered = failSession(client, remote, OVERSIZE_MESSAGE, 2) || answered;
        }
        waiting.clear();
        if (answered) letClientCloseFirst(client, 5_000);
        return;
      }
      options.logger.debug({ err: err.message }, "ssh client error");
    });
    let bannerSent = false;
    client.on("authentication", (ctx) => {
      if (ctx.username !== SSH_USER) {
        // Refused whatever the key, so no name probes which keys exist; the banner says
        // why (OpenSSH shows it before "Permission denied").
        if (!bannerSent) bannerSent = sendAuthBanner(client, wrongUserMessage(ctx.username));
        ctx.reject(["publickey"]);
        return;
      }
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
        waiting.add(session);
        session.once("close", () => waiting.delete(session));
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
        const run = (stream: ssh2.ServerChannel, command: string): void => {
          waiting.delete(session);
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
          options.onExec(who, command, channel).catch((err: unknown) => {
            options.logger.error({ err }, "ssh exec failed");
            channel.stderr.write("internal error (see the control plane log)\n");
            channel.exit(1);
          });
        };
        // `ssh qs` asks for a shell: there is none, so it gets what an empty command gets
        // (the help), with or without a PTY, instead of "shell request failed".
        session.on("shell", (accept) => run(accept(), ""));
        session.on("exec", (accept, _reject, info) => run(accept(), info.command));
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

const OVERSIZE_MESSAGE =
  "error: the command line is too long: an SSH request to QuickStack holds at most about 34 KB\n" +
  "pass long values on stdin instead, e.g. ssh qs apps:config-set APP KEY=- < file\n";

function wrongUserMessage(user: string): string {
  const shown = escapeControls(user.slice(0, 64), { oneLine: true });
  return (
    `QuickStack accepts only the user "${SSH_USER}", not "${shown}": who you are is your key.\n` +
    `Connect as ${SSH_USER}@HOST (e.g. ssh -p 2222 ${SSH_USER}@HOST help), or put "User ${SSH_USER}" ` +
    `in the Host block of ~/.ssh/config.\n`
  );
}
