import type { Readable } from "node:stream";
import { ForbiddenError, LimitExceededError, UnavailableError, type ClusterOps, type NodeOps, type OpsIO, type UserStore } from "@qs/core";
import type { CommandContext } from "../command.ts";

/** The users store, or UnavailableError when the control plane runs without one. */
export function usersOf(ctx: CommandContext): UserStore {
  if (ctx.services.users === undefined) throw notConfigured("users");
  return ctx.services.users;
}

/** The cluster-ops port, or UnavailableError. */
export function opsOf(ctx: CommandContext): ClusterOps {
  if (ctx.services.ops === undefined) throw notConfigured("cluster operations");
  return ctx.services.ops;
}

/** The caller's streams (and TTY, with `ssh -t`) as the cluster-ops port takes them. */
export function opsIO(ctx: CommandContext): OpsIO {
  const { stdin, stdout, stderr, tty } = ctx.io;
  return { stdin, stdout, stderr, ...(tty === undefined ? {} : { tty }) };
}

/** The nodes port, or UnavailableError. */
export function nodesOf(ctx: CommandContext): NodeOps {
  if (ctx.services.nodes === undefined) throw notConfigured("nodes");
  return ctx.services.nodes;
}

function notConfigured(what: string): UnavailableError {
  return new UnavailableError("NOT_CONFIGURED", `${what} are not available on this control plane`, {
    hint: "the control plane needs a Kubernetes connection (QS_KUBECONFIG or in-cluster)",
  });
}

/** Admins may act on anyone; others only on themselves. */
export function requireSelfOrAdmin(ctx: CommandContext, user: string, what: string): void {
  if (ctx.principal.role !== "admin" && ctx.principal.user !== user) {
    throw new ForbiddenError(`only admins may ${what} of other users`, { hint: "ask an admin" });
  }
}

/** Reads all of stdin as UTF-8, refusing more than `max` bytes. */
export async function readAll(stream: Readable, max: number, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
    if (signal.aborted) break;
    const b = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > max) throw new LimitExceededError("INPUT_TOO_LARGE", `input is larger than ${max} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Reads one line (up to CR or LF) without waiting for end of input, so a prompt can be
 * answered interactively. With `echo`, typed characters are echoed back: over `ssh -t`
 * the client's terminal is raw and nothing else would show them.
 */
export function readLine(
  stream: Readable,
  signal: AbortSignal,
  options: { max?: number; echo?: (text: string) => void } = {},
): Promise<string | undefined> {
  const max = options.max ?? 4096;
  return new Promise((resolve, reject) => {
    let line = "";
    if (stream.readableEnded) {
      resolve(undefined);
      return;
    }
    const finish = (value: string | undefined, err?: Error): void => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      signal.removeEventListener("abort", onEnd);
      stream.pause();
      if (err !== undefined) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      const text = chunk.toString();
      let offset = 0;
      for (const ch of text) {
        offset += ch.length;
        if (ch === "\r" || ch === "\n") {
          options.echo?.("\r\n");
          finish(line);
          // What came after the line end belongs to the next read; CRLF counts as one end.
          const rest = text.slice(ch === "\r" && text[offset] === "\n" ? offset + 1 : offset);
          if (rest.length > 0) stream.unshift(Buffer.from(rest));
          return;
        }
        if (ch === "\u0003") return finish(undefined);
        if (ch === "\u007f" || ch === "\b") {
          line = line.slice(0, -1);
          continue;
        }
        line += ch;
        options.echo?.(ch);
        if (line.length > max) return finish(undefined, new LimitExceededError("INPUT_TOO_LARGE", `line is longer than ${max} characters`));
      }
    };
    const onEnd = (): void => finish(line.length > 0 ? line : undefined);
    stream.on("data", onData);
    stream.on("end", onEnd);
    signal.addEventListener("abort", onEnd);
    // A stream paused by an earlier readLine does not flow again just because of a listener.
    stream.resume();
  });
}
