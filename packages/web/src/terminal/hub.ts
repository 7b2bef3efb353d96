import { RateLimitedError, type AuditLog, type Logger, type Principal } from "@qs/core";
import type { CommandServices, Registry } from "@qs/commands";
import type { WebSocket } from "ws";
import { runTerminalSession, type TerminalEnd, type TerminalRequest } from "./run-session.ts";

/** Limits and collaborators of the web terminal; apps/server builds one and hands it to the pages and the API. */
export interface TerminalHubOptions {
  /** The command layer: sessions run `apps:enter` through it (the one way into pods). */
  readonly services: CommandServices;
  readonly registry?: Registry;
  readonly logger?: Logger;
  /** Where sessions are recorded. @defaultValue services.audit */
  readonly audit?: AuditLog;
  /** Open sessions per user. @defaultValue 3 */
  readonly maxPerUser?: number;
  /** Open sessions on this control plane. @defaultValue 20 */
  readonly maxTotal?: number;
  /** A session with neither input nor output this long ends. @defaultValue 900000 (15 min) */
  readonly idleTimeoutMs?: number;
  /** How often a session's right to run is checked again (logout, lost access). @defaultValue 15000 */
  readonly recheckMs?: number;
  /** The clock. @defaultValue Date.now */
  readonly now?: () => number;
}

/** Who a session belongs to and how to tell it may go on. */
export interface TerminalOwner {
  readonly principal: Principal;
  /** The status-page session it was opened from (logout ends it); absent for API tokens. */
  readonly webSession?: string;
  /** `web` (status page) or `api` (bearer token), as recorded in the audit log. */
  readonly via: "web" | "api";
  /** Resolves to a reason when the owner may no longer run it (session gone, access lost). */
  readonly stillAllowed: () => Promise<string | undefined>;
}

/** One open session as the hub tracks it. */
interface Live {
  readonly owner: TerminalOwner;
  readonly app: string;
  end(reason: TerminalEnd): void;
}

/** Open sessions, their limits, and the way to end them from outside. */
export interface TerminalHub {
  /** The command layer sessions run through (for the checks before an upgrade). */
  readonly services: CommandServices;
  /** Refuses (RateLimitedError) when the owner or the control plane is at its maximum; call before accepting. */
  reserve(owner: TerminalOwner): () => void;
  /** Runs one session on an accepted socket; the reservation is released when it ends. */
  run(socket: WebSocket, owner: TerminalOwner, request: TerminalRequest, release: () => void): void;
  /** Ends the sessions opened from a status-page session (logout). */
  endForWebSession(id: string, reason: TerminalEnd): void;
  /** Ends every session of a user (logout everywhere). */
  endForUser(user: string, reason: TerminalEnd): void;
  /** Open sessions, total or for one user. */
  count(user?: string): number;
  /** Ends every session (shutdown). */
  close(): void;
}

/** Creates the hub with the documented defaults. */
export function createTerminalHub(options: TerminalHubOptions): TerminalHub {
  const maxPerUser = options.maxPerUser ?? 3;
  const maxTotal = options.maxTotal ?? 20;
  const live = new Set<Live>();
  // Reservations count from the check until the session ends, so parallel upgrades cannot overshoot.
  const reserved = new Map<string, number>();
  let reservedTotal = 0;

  const count = (user?: string): number => (user === undefined ? reservedTotal : (reserved.get(user) ?? 0));

  return {
    services: options.services,
    reserve(owner) {
      const user = owner.principal.user;
      if (count(user) >= maxPerUser)
        throw new RateLimitedError(`you already have ${maxPerUser} terminal sessions open`, 30, {
          hint: "close one of them (exit the shell or close its tab) and try again",
        });
      if (reservedTotal >= maxTotal)
        throw new RateLimitedError(`this control plane already runs ${maxTotal} terminal sessions`, 30, {
          hint: "try again when one has ended, or use: ssh -t qs apps:enter APP",
        });
      reserved.set(user, count(user) + 1);
      reservedTotal += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        reserved.set(user, count(user) - 1);
        reservedTotal -= 1;
      };
    },

    run(socket, owner, request, release) {
      const entry: Live = { owner, app: request.app, end: () => undefined };
      live.add(entry);
      const done = runTerminalSession(socket, owner, request, {
        services: options.services,
        ...(options.registry === undefined ? {} : { registry: options.registry }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        ...((options.audit ?? options.services.audit) === undefined ? {} : { audit: options.audit ?? options.services.audit }),
        idleTimeoutMs: options.idleTimeoutMs ?? 900_000,
        recheckMs: options.recheckMs ?? 15_000,
        now: options.now ?? Date.now,
        onEnder: (end) => {
          (entry as { end: Live["end"] }).end = end;
        },
      });
      void done.finally(() => {
        live.delete(entry);
        release();
      });
    },

    endForWebSession(id, reason) {
      for (const s of live) if (s.owner.webSession === id) s.end(reason);
    },
    endForUser(user, reason) {
      for (const s of live) if (s.owner.principal.user === user) s.end(reason);
    },
    count,
    close() {
      for (const s of live) s.end({ reason: "shutdown", message: "the control plane is shutting down" });
    },
  };
}
