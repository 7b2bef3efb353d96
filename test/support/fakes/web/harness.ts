import type { Hono } from "hono";
import { createHttpApp, type StatusPagesOptions } from "@qs/web";
import { silentLogger, type AppDetail, type NodeSummary } from "@qs/core";
import {
  createMemoryLoginThrottle,
  createMemoryMetricStore,
  createMemorySessionStore,
  createMemoryUserDirectory,
  type FakeUser,
} from "./stores.ts";
import { createFakeStatusSource } from "./status-source.ts";

/** A settable clock. */
export interface FakeClock {
  readonly now: () => number;
  readonly advance: (ms: number) => void;
}

/** A clock starting at a fixed instant. */
export function fakeClock(start = Date.UTC(2026, 10, 26, 12, 0, 0)): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** The status pages over in-memory ports, mounted in the real HTTP app. */
export async function createPagesHarness(setup: {
  users: readonly FakeUser[];
  apps: readonly AppDetail[];
  nodes?: readonly NodeSummary[];
  grants?: Readonly<Record<string, readonly string[]>>;
  clock?: FakeClock;
  options?: Partial<StatusPagesOptions>;
}) {
  const clock = setup.clock ?? fakeClock();
  const status = createFakeStatusSource({ apps: setup.apps, nodes: setup.nodes ?? [], grants: setup.grants ?? {} });
  const sessions = createMemorySessionStore();
  const throttle = createMemoryLoginThrottle({ now: clock.now });
  const metrics = createMemoryMetricStore();
  const users = await createMemoryUserDirectory(setup.users);
  const statusPages: StatusPagesOptions = {
    status,
    users,
    sessions,
    throttle,
    metrics,
    logger: silentLogger,
    now: clock.now,
    passwordHashOptions: { cost: 1024 },
    // app.request() has no socket: CookieClient sends its address in a test header.
    clientAddress: (c) => c.req.header("x-test-address") ?? "unknown",
    ...setup.options,
  };
  const app: Hono = createHttpApp({ logger: silentLogger, readiness: {}, statusPages });
  return { app, clock, status, sessions, throttle, metrics, users };
}

/** A browser-like client for app.request(): cookie jar, same-origin Origin on POSTs. */
export class CookieClient {
  readonly jar = new Map<string, string>();
  readonly app: Hono;
  readonly origin: string;
  address: string;

  constructor(app: Hono, origin = "http://localhost", address = "192.0.2.1") {
    this.app = app;
    this.origin = origin;
    this.address = address;
  }

  /** Sends a request with the jar's cookies and stores the cookies set by the response. */
  async request(path: string, init: RequestInit & { form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set("cookie", [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("x-test-address", this.address);
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers.set("content-type", "application/x-www-form-urlencoded");
      if (!headers.has("origin")) headers.set("origin", this.origin);
    }
    const res = await this.app.request(`${this.origin}${path}`, { ...init, headers, body, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** Fetches the login form and posts it; returns the POST response. */
  async login(fields: { user: string; password: string; code?: string }, extra: Record<string, string> = {}): Promise<Response> {
    const form = await this.request("/login");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
    return this.request("/login", {
      method: "POST",
      form: { _csrf: csrf, next: "/", user: fields.user, password: fields.password, code: fields.code ?? "", ...extra },
    });
  }

  /** The CSRF token of the signed-in page (for logout). */
  async pageCsrf(path = "/"): Promise<string> {
    const res = await this.request(path);
    return /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? "";
  }
}
