import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { clientNodeConfig } from "./client-node.ts";
import type { KubeConnection } from "./connection.ts";

/** The Status object the API server sends with an error (metav1.Status). */
export interface ApiStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: {
    readonly name?: string;
    readonly kind?: string;
    readonly causes?: readonly { reason?: string; message?: string; field?: string }[];
  };
}

/** A non-2xx answer from the API server; `code` is the HTTP status (as client-node's ApiException). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly body: ApiStatus | undefined;
  constructor(
    method: string,
    path: string,
    code: number,
    body: ApiStatus | undefined,
    text: string,
  ) {
    super(
      `${method} ${path}: HTTP ${code}${body?.message ? `: ${body.message}` : text ? `: ${text.slice(0, 200)}` : ""}`,
    );
    this.name = "KubeApiError";
    this.code = code;
    this.body = body;
  }
}

/** Query parameters; undefined values are left out, arrays repeat the key (exec's `command`). */
export type Query = Readonly<
  Record<string, string | number | boolean | readonly string[] | undefined>
>;

/** Options of one request. */
export interface RequestOptions {
  readonly query?: Query;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** @defaultValue "application/json" (patches name their own type) */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Whole-request limit for non-streaming calls. @defaultValue 60000 */
  readonly timeoutMs?: number;
}

/** A small JSON-over-HTTP client for one API server (what QuickStack needs, nothing more). */
export interface RestClient {
  readonly connection: KubeConnection;
  /** Sends a request and parses the JSON answer; throws KubeApiError on a non-2xx status. */
  json<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** GET returning the body as text (pod logs). */
  text(path: string, options?: RequestOptions): Promise<string>;
  /** GET whose body is read as it arrives (watches, followed logs); ends with the signal. */
  stream(path: string, options?: RequestOptions): Promise<IncomingMessage>;
  /** The Authorization header for a request now (WebSocket upgrades carry it themselves). */
  authorization(): Promise<string | undefined>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Retries of a request the server answered 429 with Retry-After (client-go retries 10 times). */
const MAX_RETRY_AFTER_ATTEMPTS = 10;

/**
 * How long to wait before sending again, when the server said so: a 429 with Retry-After
 * means the request was not processed (API priority and fairness, or "storage is
 * (re)initializing" for a moment after a CRD is created or changed), so any method may be
 * retried. Undefined: do not retry.
 */
export function retryAfterMs(
  res: { statusCode?: number | undefined; headers: Record<string, string | string[] | undefined> },
  attempt: number,
): number | undefined {
  if (res.statusCode !== 429 || attempt >= MAX_RETRY_AFTER_ATTEMPTS) return undefined;
  const header = res.headers["retry-after"];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(seconds) || header === undefined) return undefined;
  return Math.min(Math.max(seconds, 0.1), 10) * 1000;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

/** Appends a query string; `path` must not carry one. */
export function withQuery(path: string, query: Query | undefined): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v as readonly string[]) params.append(k, item);
    else params.set(k, String(v));
  }
  const qs = params.toString();
  return qs === "" ? path : `${path}?${qs}`;
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function errorFrom(method: string, path: string, res: IncomingMessage, text: string): KubeApiError {
  let body: ApiStatus | undefined;
  try {
    const parsed = JSON.parse(text) as ApiStatus;
    if (parsed !== null && typeof parsed === "object") body = parsed;
  } catch {
    body = undefined;
  }
  return new KubeApiError(
    method,
    path.split("?")[0] ?? path,
    res.statusCode ?? 0,
    body,
    body === undefined ? text : "",
  );
}

/**
 * Exec plugins and auth-providers (EKS, GKE …) are client-node's job: it runs the plugin and
 * caches the credential. Only such kubeconfigs load it (see rest/client-node.ts).
 */
function pluginAuthorization(connection: KubeConnection): () => Promise<string | undefined> {
  return async () => {
    const opts: https.RequestOptions & { headers: http.OutgoingHttpHeaders } = { headers: {} };
    await (await clientNodeConfig(connection)).applyToHTTPSOptions(opts);
    const value = opts.headers.Authorization ?? opts.headers.authorization;
    return typeof value === "string" ? value : undefined;
  };
}

/** Creates the client; one keep-alive agent carries the TLS material for every request. */
export function createRestClient(connection: KubeConnection): RestClient {
  const url = new URL(connection.server);
  const secure = url.protocol === "https:";
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        ...(connection.tls.ca === undefined ? {} : { ca: connection.tls.ca }),
        ...(connection.tls.cert === undefined ? {} : { cert: connection.tls.cert }),
        ...(connection.tls.key === undefined ? {} : { key: connection.tls.key }),
        ...(connection.tls.serverName === undefined
          ? {}
          : { servername: connection.tls.serverName }),
        rejectUnauthorized: !connection.tls.insecure,
      })
    : new http.Agent({ keepAlive: true });
  const prefix = url.pathname.replace(/\/+$/, "");
  const authorization = connection.plugin
    ? pluginAuthorization(connection)
    : () => Promise.resolve(connection.authorization());

  async function send(
    method: string,
    path: string,
    options: RequestOptions,
    accept: string,
  ): Promise<IncomingMessage> {
    const full = prefix + withQuery(path, options.query);
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const auth = await authorization();
    const headers: Record<string, string | number> = { Accept: accept };
    if (auth !== undefined) headers.Authorization = auth;
    if (body !== undefined) {
      headers["Content-Type"] = options.contentType ?? "application/json";
      headers["Content-Length"] = body.length;
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          method,
          path: full,
          headers,
          agent,
          signal: options.signal,
        },
        resolve,
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  async function complete(
    method: string,
    path: string,
    options: RequestOptions,
    accept: string,
  ): Promise<string> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal =
      options.signal === undefined
        ? controller.signal
        : AbortSignal.any([options.signal, controller.signal]);
    try {
      for (let attempt = 1; ; attempt++) {
        const res = await send(method, path, { ...options, signal }, accept);
        const text = await readAll(res);
        const status = res.statusCode ?? 0;
        const wait = retryAfterMs(res, attempt);
        if (wait !== undefined) {
          await sleep(wait, signal);
          continue;
        }
        if (status < 200 || status > 299) throw errorFrom(method, path, res, text);
        return text;
      }
    } catch (err) {
      // Say which call timed out, not just "aborted".
      if (controller.signal.aborted && options.signal?.aborted !== true) {
        throw new Error(
          `${method} ${path}: no answer in ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`,
          { cause: err },
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    connection,
    async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
      const text = await complete(method, path, options, "application/json");
      return (text === "" ? {} : JSON.parse(text)) as T;
    },
    text: (path, options = {}) => complete("GET", path, options, "*/*"),
    async stream(path, options = {}) {
      const res = await send("GET", path, options, "application/json");
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) throw errorFrom("GET", path, res, await readAll(res));
      return res;
    },
    authorization,
    close: () => agent.destroy(),
  };
}
