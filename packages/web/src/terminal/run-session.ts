import { PassThrough, Writable } from "node:stream";
import { QsError, auditArgs, describeError, exitCodeOf, type AuditLog, type ClusterOps, type Logger } from "@qs/core";
import { invokeCommand, type CommandServices, type Registry } from "@qs/commands";
import type { RawData, WebSocket } from "ws";
import type { TerminalOwner } from "./hub.ts";
import { parseClientFrame, type ServerFrame } from "./protocol.ts";

/** What a session runs: `apps:enter APP [PROCESS] -- CMD` in the pod, at this terminal size. */
export interface TerminalRequest {
  readonly app: string;
  readonly process?: string;
  readonly pod?: string;
  /** Empty: the same shell `apps:enter` opens without a command. */
  readonly command: readonly string[];
  readonly cols: number;
  readonly rows: number;
}

/** Why a session ended, as the last frame tells the client. */
export interface TerminalEnd {
  readonly reason: "exited" | "idle" | "pod-gone" | "logged-out" | "access-lost" | "closed" | "shutdown" | "error";
  readonly message: string;
  readonly exitCode?: number;
}

/** What runTerminalSession needs from the hub. */
export interface SessionDeps {
  readonly services: CommandServices;
  readonly registry?: Registry;
  readonly logger?: Logger;
  readonly audit?: AuditLog;
  readonly idleTimeoutMs: number;
  readonly recheckMs: number;
  readonly now: () => number;
  /** Receives the function that ends this session from outside (logout, shutdown). */
  readonly onEnder: (end: (reason: TerminalEnd) => void) => void;
}

/**
 * One terminal session over an accepted WebSocket: runs `apps:enter` through the command
 * layer with the socket as its TTY, ends on exit, idle timeout, lost access, logout or a
 * closed socket, tells the client why in a last frame, and records one audit entry
 * (who, app, pod, start, end, exit code; never input or output).
 */
export async function runTerminalSession(socket: WebSocket, owner: TerminalOwner, request: TerminalRequest, deps: SessionDeps): Promise<void> {
  const startedAt = deps.now();
  const controller = new AbortController();
  let endedBy: TerminalEnd | undefined;
  let pod: string | undefined;
  let lastActivity = deps.now();
  const send = (frame: ServerFrame): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };
  const end = (reason: TerminalEnd): void => {
    endedBy ??= reason;
    controller.abort();
  };
  deps.onEnder(end);

  const stdin = new PassThrough();
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lastActivity = deps.now();
      if (socket.readyState !== socket.OPEN) return callback();
      socket.send(chunk, { binary: true }, () => callback());
    },
  });
  const resizeListeners: ((size: { cols: number; rows: number }) => void)[] = [];

  socket.on("message", (data: RawData, isBinary: boolean) => {
    lastActivity = deps.now();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      stdin.write(bytes);
      return;
    }
    const frame = parseClientFrame(bytes.toString("utf8"));
    if (frame.type === "input") stdin.write(frame.data);
    else if (frame.type === "resize") for (const l of resizeListeners) l({ cols: frame.cols, rows: frame.rows });
    else send({ type: "notice", message: frame.message });
  });
  socket.on("close", () => end({ reason: "closed", message: "the terminal was closed" }));

  const idle = setInterval(() => {
    if (deps.now() - lastActivity >= deps.idleTimeoutMs)
      end({ reason: "idle", message: `no input or output for ${Math.round(deps.idleTimeoutMs / 60_000) || 1} min` });
  }, Math.max(50, Math.min(deps.idleTimeoutMs / 4, 5_000)));
  const recheck = setInterval(() => {
    owner.stillAllowed().then(
      (why) => {
        if (why !== undefined) end({ reason: why.startsWith("logged") ? "logged-out" : "access-lost", message: why });
      },
      (err: unknown) => deps.logger?.warn({ err }, "terminal access check failed"),
    );
  }, deps.recheckMs);

  const ops = deps.services.ops;
  const pinned: ClusterOps | undefined =
    ops === undefined
      ? undefined
      : {
          logs: ops.logs.bind(ops),
          ps: ops.ps.bind(ops),
          restart: ops.restart.bind(ops),
          run: ops.run.bind(ops),
          enter: (app, process, command, io, signal) =>
            ops.enter(app, process, command, io, signal, {
              ...(request.pod === undefined ? {} : { pod: request.pod }),
              onPod: (name) => {
                pod = name;
                send({ type: "started", pod: name });
              },
            }),
        };
  // The hub records the session itself (with its pod and start), so the verb does not.
  const services: CommandServices = { ...deps.services, audit: undefined, ...(pinned === undefined ? {} : { ops: pinned }) };
  // Without a command apps:enter opens its default shell.
  const args = [request.app, ...(request.process === undefined ? [] : [request.process]), ...(request.command.length === 0 ? [] : ["--", ...request.command])];
  const io = {
    stdin,
    stdout,
    stderr: stdout,
    tty: { cols: request.cols, rows: request.rows, term: "xterm-256color", onResize: (l: (size: { cols: number; rows: number }) => void) => void resizeListeners.push(l) },
  };

  let exitCode: number;
  let error: string | undefined;
  try {
    const outcome = await invokeCommand("apps:enter", args, owner.principal, io, services, controller.signal, {
      ...(deps.registry === undefined ? {} : { registry: deps.registry }),
      via: "api",
    });
    if (outcome.ok) exitCode = outcome.result.exitCode ?? 0;
    else {
      exitCode = exitCodeOf(outcome.error);
      error = outcome.error instanceof QsError ? outcome.error.code : "INTERNAL";
      if (!(outcome.error instanceof QsError)) deps.logger?.error({ err: outcome.error, app: request.app }, "terminal session failed");
      endedBy ??=
        error === "NO_RUNNING_PROCESS"
          ? { reason: "pod-gone", message: describeError(outcome.error) }
          : { reason: "error", message: outcome.error instanceof QsError ? describeError(outcome.error) : "the session failed; the control plane log says more" };
    }
  } finally {
    clearInterval(idle);
    clearInterval(recheck);
    stdin.end();
  }
  if (endedBy === undefined && pod !== undefined && exitCode !== 0 && !(await podRunning(deps.services, request.app, pod)))
    endedBy = { reason: "pod-gone", message: `the pod ${pod} is gone` };
  const final: TerminalEnd = endedBy ?? { reason: "exited", message: `exited with code ${exitCode}`, exitCode };
  send({ type: "end", reason: final.reason, message: final.message, exitCode });
  if (socket.readyState === socket.OPEN) socket.close(1000, final.reason);

  const audit = deps.audit;
  if (audit !== undefined) {
    try {
      await audit.record({
        at: new Date(deps.now()).toISOString(),
        startedAt: new Date(startedAt).toISOString(),
        user: owner.principal.user,
        command: "apps:enter",
        args: auditArgs("apps:enter", [request.app, ...(request.process === undefined ? [] : [request.process])]),
        app: request.app,
        ...(pod === undefined ? {} : { pod }),
        exitCode,
        ...(error === undefined ? {} : { error }),
        via: owner.via,
      });
    } catch (err) {
      deps.logger?.error({ err, app: request.app }, "audit record failed");
    }
  }
}

async function podRunning(services: CommandServices, app: string, pod: string): Promise<boolean> {
  try {
    return (await services.ops?.ps(app))?.some((p) => p.pod === pod && p.state === "Running") ?? false;
  } catch {
    return false;
  }
}
