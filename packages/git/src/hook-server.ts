import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { errorLine, type Logger, type OutputSink, type Principal, type RefUpdate } from "@qs/core";
import type { QuarantineEnv } from "./quarantine-push.ts";

/** A receive-pack process the control plane started for an authenticated user. */
export interface PushSession {
  readonly id: string;
  readonly app: string;
  readonly principal: Principal;
  readonly repoDir: string;
  /** Aborted when the client goes away (SSH channel closed, HTTP request aborted). */
  readonly signal: AbortSignal;
  /** Runs `fn` once the receive-pack process has exited (refs updated or not). */
  onEnd(fn: () => void): void;
}

/** Handles one hook request; resolves true to accept the push (refs move), false to reject. */
export type HookHandler = (
  session: PushSession,
  updates: readonly RefUpdate[],
  quarantine: QuarantineEnv,
  out: OutputSink,
  signal: AbortSignal,
) => Promise<boolean>;

/** Options for createHookServer. */
export interface HookServerOptions {
  /** Unix socket path (≤ 107 bytes); its directory is created 0700. */
  socketPath: string;
  logger: Logger;
  handle: HookHandler;
}

/** The control-plane end of the pre-receive hook. */
export interface HookServer {
  readonly socketPath: string;
  /** Registers a push session; `env` goes into the receive-pack process's environment. */
  open(session: Omit<PushSession, "id" | "onEnd">): {
    id: string;
    env: Record<string, string>;
    /** Call when receive-pack has exited: runs the session's onEnd callbacks. */
    close(): void;
  };
  /** Hook requests being handled now. */
  activePushes(): number;
  /** Refuses new pushes, lets running ones finish for graceMs, then aborts them. */
  close(graceMs?: number): Promise<void>;
}

const MAX_REQUEST = 1024 * 1024;

/**
 * Listens on a unix socket for the pre-receive hook. A request must carry the per-boot
 * secret (random, only ever in the environment of processes we spawn) and the id of a
 * session opened by the SSH or HTTP handler, which says who pushes to which app.
 * Protocol: one JSON line in; `o <text>` lines out as they happen, then `x <0|1>`.
 */
export async function createHookServer(options: HookServerOptions): Promise<HookServer> {
  const secret = randomBytes(32).toString("hex");
  const sessions = new Map<string, PushSession>();
  const running = new Set<Promise<void>>();
  const shutdown = new AbortController();
  let closing: Promise<void> | undefined;

  const serve = async (socket: Socket, line: string): Promise<void> => {
    const out: OutputSink = {
      line(text) {
        if (socket.destroyed) return;
        for (const piece of text.split("\n")) socket.write(`o ${piece}\n`);
      },
    };
    const finish = (ok: boolean): void => {
      if (!socket.destroyed) socket.end(`x ${ok ? "0" : "1"}\n`);
    };
    let request: { secret?: unknown; pushId?: unknown; updates?: unknown; quarantine?: unknown };
    try {
      request = JSON.parse(line) as typeof request;
    } catch {
      finish(false);
      return;
    }
    const session = typeof request.pushId === "string" ? sessions.get(request.pushId) : undefined;
    if (!sameSecret(request.secret, secret) || session === undefined) {
      out.line(errorLine("this push is not known to QuickStack; push again"));
      finish(false);
      return;
    }
    if (closing !== undefined) {
      out.line(errorLine("QuickStack is restarting; push again in a minute"));
      finish(false);
      return;
    }
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    session.signal.addEventListener("abort", abort, { once: true });
    shutdown.signal.addEventListener("abort", abort, { once: true });
    socket.once("close", abort);
    if (session.signal.aborted) abort();
    try {
      const ok = await options.handle(
        session,
        parseUpdates(request.updates),
        request.quarantine ?? {},
        out,
        controller.signal,
      );
      finish(ok && !controller.signal.aborted);
    } catch (err) {
      options.logger.error({ err, app: session.app }, "push hook failed");
      out.line(errorLine("internal error while handling the push (see the control plane log)"));
      finish(false);
    } finally {
      session.signal.removeEventListener("abort", abort);
      shutdown.signal.removeEventListener("abort", abort);
      socket.off("close", abort);
    }
  };

  const server: Server = createServer((socket) => {
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("error", () => undefined);
    const onData = (chunk: string): void => {
      buffer += chunk;
      const i = buffer.indexOf("\n");
      if (i < 0) {
        if (buffer.length > MAX_REQUEST) socket.destroy();
        return;
      }
      socket.off("data", onData);
      const task = serve(socket, buffer.slice(0, i));
      running.add(task);
      void task.finally(() => running.delete(task));
    };
    socket.on("data", onData);
  });

  await mkdir(dirname(options.socketPath), { recursive: true, mode: 0o700 });
  await rm(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.socketPath, () => resolve());
  });

  return {
    socketPath: options.socketPath,
    activePushes: () => running.size,
    open(session) {
      const id = randomUUID();
      const ends: (() => void)[] = [];
      sessions.set(id, { ...session, id, onEnd: (fn) => ends.push(fn) });
      return {
        id,
        env: {
          QUICKSTACK_HOOK_SOCKET: options.socketPath,
          QUICKSTACK_HOOK_SECRET: secret,
          QUICKSTACK_PUSH_ID: id,
        },
        close() {
          sessions.delete(id);
          for (const fn of ends.splice(0)) fn();
        },
      };
    },
    close(graceMs = 10_000) {
      closing ??= (async () => {
        // Keep listening through the grace period so a push arriving now is told why it
        // is refused (see serve) instead of meeting a refused connection.
        if (running.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            Promise.allSettled([...running]),
            new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
          ]);
          clearTimeout(timer);
        }
        shutdown.abort();
        server.close();
        await Promise.allSettled([...running]);
        await rm(options.socketPath, { force: true });
      })();
      return closing;
    },
  };
}

function sameSecret(given: unknown, secret: string): boolean {
  if (typeof given !== "string" || given.length !== secret.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(secret));
}

function parseUpdates(value: unknown): RefUpdate[] {
  if (!Array.isArray(value)) return [];
  const updates: RefUpdate[] = [];
  for (const u of value as unknown[]) {
    const { oldSha, newSha, ref } = (u ?? {}) as Record<string, unknown>;
    if (typeof oldSha === "string" && typeof newSha === "string" && typeof ref === "string") {
      updates.push({ oldSha, newSha, ref });
    }
  }
  return updates;
}
