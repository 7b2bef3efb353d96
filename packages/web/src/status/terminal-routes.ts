import type { Context, Hono } from "hono";
import { ForbiddenError, parseAppName, UsageError } from "@qs/core";
import { CONTENT_SECURITY_POLICY } from "./security.ts";
import type { ResolvedOptions } from "./options.ts";
import { credentialStamp, randomToken, sameOrigin, sameToken, type ActiveSession } from "./session.ts";
import type { LayoutUser } from "./views/layout.ts";
import { terminalPage } from "./views/terminal.ts";
import type { TerminalEnd } from "../terminal/run-session.ts";
import type { TerminalHub } from "../terminal/hub.ts";
import { checkAppAccess, checkTerminalTarget, parseTerminalRequest } from "../terminal/request.ts";
import { acceptWebSocket, wantsWebSocket } from "../terminal/upgrade.ts";

/** How a session ends on logout. */
export const LOGGED_OUT: TerminalEnd = { reason: "logged-out", message: "you logged out" };

/** A ticket lives this long: long enough to load the page, short enough to be useless later. */
const TICKET_TTL_MS = 10 * 60_000;
/** Tickets kept at most (each page load makes one); the oldest go first. */
const MAX_TICKETS = 10_000;

interface Ticket {
  readonly webSession: string;
  readonly app: string;
  readonly expiresAt: number;
}

const NEEDS_TOTP = "The terminal needs a login with two-factor authentication: run `ssh -t qs users:2fa-enable`, then log in again.";

/**
 * The terminal page `/apps/:name/terminal` and its WebSocket `/apps/:name/terminal/ws`.
 * The socket needs the session cookie, our Origin, a session whose login passed TOTP,
 * access to the app, and a one-time ticket from the page, bound to this session and app
 * (the CSRF token of the upgrade: a ticket cannot be replayed nor used from another session).
 */
export function mountTerminal(
  pages: Hono,
  options: ResolvedOptions,
  hub: TerminalHub,
  helpers: { activeOf: (c: Context) => ActiveSession; layoutUser: (a: ActiveSession) => LayoutUser },
): void {
  const tickets = new Map<string, Ticket>();

  const issueTicket = (webSession: string, app: string): string => {
    const now = options.now();
    for (const [k, t] of tickets) if (t.expiresAt <= now || tickets.size >= MAX_TICKETS) tickets.delete(k);
    const ticket = randomToken();
    tickets.set(ticket, { webSession, app, expiresAt: now + TICKET_TTL_MS });
    return ticket;
  };

  // The login proved a second factor only when the account has one (a TOTP secret is part
  // of the session's credential stamp, so a session from before 2FA was enabled has ended).
  const passedTotp = async (user: string): Promise<boolean> => (await options.users.find(user))?.totpSecret !== undefined;

  pages.get("/apps/:name/terminal", async (c) => {
    const active = helpers.activeOf(c);
    const name = parseAppName(c.req.param("name"));
    const app = await options.status.getApp(active.principal, name);
    const query = c.req.query();
    const chosen = { ...(query.process ? { process: query.process } : {}), ...(query.pod ? { pod: query.pod } : {}), command: query.command ?? "" };
    const base = { user: helpers.layoutUser(active), app, chosen };
    if (!(await passedTotp(active.principal.user))) return c.html(terminalPage({ ...base, refusal: NEEDS_TOTP }), 403);
    const nonce = randomToken();
    const params = new URLSearchParams();
    if (chosen.process) params.set("process", chosen.process);
    if (chosen.pod) params.set("pod", chosen.pod);
    if (chosen.command) params.set("command", chosen.command);
    const wsPath = `/apps/${encodeURIComponent(name)}/terminal/ws${params.size > 0 ? `?${params.toString()}` : ""}`;
    c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY.replace("style-src 'self'", `style-src 'self' 'nonce-${nonce}'`));
    return c.html(terminalPage({ ...base, session: { ticket: issueTicket(active.session.id, name), nonce, wsPath } }));
  });

  pages.get("/apps/:name/terminal/ws", async (c) => {
    const active = helpers.activeOf(c);
    if (!wantsWebSocket(c)) throw new UsageError("this is the terminal's WebSocket", { hint: "open the terminal page instead" });
    // Browsers always send Origin on a WebSocket handshake (RFC 6455 §4.1); none means no browser page of ours.
    if (c.req.header("origin") === undefined || !sameOrigin(c, options)) throw new ForbiddenError("the terminal must be opened from this site's own page");
    const name = parseAppName(c.req.param("name"));
    const given = c.req.query("ticket");
    const ticket = given === undefined ? undefined : tickets.get(given);
    if (ticket === undefined || !sameToken(ticket.webSession, active.session.id) || ticket.app !== name || ticket.expiresAt <= options.now())
      throw new ForbiddenError("the terminal's token is missing, used or expired", { hint: "reload the terminal page" });
    tickets.delete(given ?? "");
    if (!(await passedTotp(active.principal.user))) throw new ForbiddenError(NEEDS_TOTP);
    const request = parseTerminalRequest(name, c.req.query());
    await checkTerminalTarget(hub.services, active.principal, request);
    const webSession = active.session.id;
    const owner = {
      principal: active.principal,
      webSession,
      via: "web" as const,
      stillAllowed: async (): Promise<string | undefined> => {
        const session = await options.sessions.get(webSession);
        if (!session || options.now() - session.createdAt > options.absoluteTimeoutMs) return "logged out: the session ended";
        const account = await options.users.find(session.user);
        if (!account?.totpSecret || !sameToken(session.credentialStamp, credentialStamp(account))) return "logged out: the account's credentials changed";
        try {
          await checkAppAccess(hub.services, { user: account.name, role: account.role }, name);
        } catch {
          return `access to ${name} was removed`;
        }
        return undefined;
      },
    };
    const release = hub.reserve(owner);
    return acceptWebSocket(c, { open: (ws) => hub.run(ws, owner, request, release), abandon: release });
  });
}
