import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";

/** Where a connection's settings came from (the exec/auth-provider fallback reloads them). */
export type ConnectionSource = { readonly kind: "file"; readonly path: string } | { readonly kind: "cluster" };

/**
 * How to reach one API server: the current context of a kubeconfig, or the pod's service
 * account. Credentials stay in here; `server` is safe to print.
 */
export interface KubeConnection {
  readonly source: ConnectionSource;
  readonly server: string;
  /** Default namespace of the context (or the service account's namespace). */
  readonly namespace: string | undefined;
  readonly tls: {
    readonly ca?: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    readonly insecure: boolean;
    readonly serverName?: string;
  };
  /** Authorization header value for a request, or undefined for none (client certs). */
  readonly authorization: () => string | undefined;
  /**
   * Set when the user authenticates through an exec plugin or auth-provider: requests then
   * take their credentials from client-node, loaded on first use (see rest/client.ts).
   */
  readonly plugin: boolean;
}

/** The in-cluster service account files (Kubernetes mounts them at this path). */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Bound service-account tokens rotate; re-read the file at most this often (client-go does the same). */
const TOKEN_FILE_TTL_MS = 60_000;

function tokenFromFile(path: string): () => string {
  let cached: { token: string; at: number } | undefined;
  return () => {
    const now = Date.now();
    if (cached === undefined || now - cached.at > TOKEN_FILE_TTL_MS) {
      cached = { token: readFileSync(path, "utf8").trim(), at: now };
    }
    return cached.token;
  };
}

/** Loads the pod's service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token and CA). */
export function loadInCluster(dir = SERVICE_ACCOUNT_DIR, env: NodeJS.ProcessEnv = process.env): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || port === undefined) {
    throw new Error("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset (set QS_KUBECONFIG)");
  }
  const token = tokenFromFile(join(dir, "token"));
  token(); // Fail now, not on the first request, when the token is not mounted.
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, "namespace"), "utf8").trim();
  } catch {
    namespace = undefined;
  }
  return {
    source: { kind: "cluster" },
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    namespace,
    tls: { ca: readFileSync(join(dir, "ca.crt")), insecure: false },
    authorization: () => `Bearer ${token()}`,
    plugin: false,
  };
}

/** The `what` body of the entry called `name` in a kubeconfig list (clusters, users, contexts). */
function pick(list: unknown, name: string | undefined, what: string, path: string): Record<string, unknown> {
  const entries = Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
  const found = entries.find((e) => e.name === name);
  const body = found?.[what];
  if (found === undefined || body === null || typeof body !== "object") {
    throw new Error(`${path}: ${what} ${JSON.stringify(name)} is not defined`);
  }
  return body as Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Loads the current context of a kubeconfig file: server, TLS material (inline `-data` or
 * files relative to the kubeconfig) and the user's token, token file or client certificate.
 */
export function loadKubeconfigFile(path: string): KubeConnection {
  const doc = parse(readFileSync(path, "utf8")) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== "object") throw new Error(`${path}: not a kubeconfig`);
  const contextName = str(doc["current-context"]);
  if (contextName === undefined) throw new Error(`${path}: no current-context`);
  const context = pick(doc.contexts, contextName, "context", path);
  const cluster = pick(doc.clusters, str(context.cluster), "cluster", path);
  const user = context.user === undefined ? {} : pick(doc.users, str(context.user), "user", path);
  const base = dirname(path);
  const file = (p: string): Buffer => readFileSync(isAbsolute(p) ? p : join(base, p));
  const material = (data: unknown, fileName: unknown): Buffer | undefined => {
    const inline = str(data);
    if (inline !== undefined) return Buffer.from(inline, "base64");
    const f = str(fileName);
    return f === undefined ? undefined : file(f);
  };
  const server = str(cluster.server);
  if (server === undefined) throw new Error(`${path}: cluster ${JSON.stringify(context.cluster)} has no server`);
  // Better refused than ignored: connecting directly where a proxy is required fails later
  // with a network error that does not say why.
  if (str(cluster["proxy-url"]) !== undefined) {
    throw new Error(`${path}: cluster ${JSON.stringify(context.cluster)} uses proxy-url, which QuickStack does not support; reach the API server directly`);
  }

  let authorization: () => string | undefined = () => undefined;
  const token = str(user.token);
  const tokenFile = str(user.tokenFile);
  const username = str(user.username);
  if (token !== undefined) authorization = () => `Bearer ${token}`;
  else if (tokenFile !== undefined) {
    const read = tokenFromFile(isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile));
    authorization = () => `Bearer ${read()}`;
  } else if (username !== undefined) {
    const basic = Buffer.from(`${username}:${str(user.password) ?? ""}`).toString("base64");
    authorization = () => `Basic ${basic}`;
  }
  const cert = material(user["client-certificate-data"], user["client-certificate"]);
  const key = material(user["client-key-data"], user["client-key"]);
  const serverName = str(cluster["tls-server-name"]);
  const ca = material(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  return {
    source: { kind: "file", path },
    server: server.replace(/\/+$/, ""),
    namespace: str(context.namespace),
    tls: {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      insecure: cluster["insecure-skip-tls-verify"] === true,
      ...(serverName === undefined ? {} : { serverName }),
    },
    authorization,
    plugin: user.exec !== undefined || user["auth-provider"] !== undefined,
  };
}

/** A kubeconfig file, or the in-cluster service account when `path` is undefined. */
export function loadKubeConnection(path: string | undefined): KubeConnection {
  if (path === undefined) return loadInCluster();
  statSync(path); // A clear ENOENT naming the file before any parsing.
  return loadKubeconfigFile(path);
}
