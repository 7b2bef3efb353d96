import https from "node:https";
import type { RestClient } from "../rest/client.ts";
import type { Node } from "../rest/wire.ts";

/**
 * A kubelet's HTTPS API, called directly as metrics-server does: the control plane's own
 * credentials (its ServiceAccount token, or a kubeconfig's token or client certificate),
 * which the kubelet checks with the API server (webhook authentication: TokenReview;
 * webhook authorization: SubjectAccessReview, `GET /stats/*` → `get nodes/stats`). This
 * needs only `nodes/stats`, not `nodes/proxy`, which would also let the token exec into
 * any pod through the kubelet, past the admission policy that scopes the control plane.
 */
export interface KubeletClient {
  /** GETs `path` from the kubelet at `endpoint` and parses the JSON; throws KubeletHttpError on a non-2xx status. */
  json<T>(endpoint: KubeletEndpoint, path: string, signal?: AbortSignal): Promise<T>;
}

/** Where a node's kubelet listens: its InternalIP and the port the node reports. */
export interface KubeletEndpoint {
  readonly address: string;
  readonly port: number;
}

/** `address:port` of a kubelet, for messages (IPv6 in brackets). */
export const describeEndpoint = (e: KubeletEndpoint): string => (e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);

/** A non-2xx answer from a kubelet (401: token not accepted; 403: the SubjectAccessReview said no). */
export class KubeletHttpError extends Error {
  readonly code: number;
  constructor(endpoint: KubeletEndpoint, path: string, code: number, text: string) {
    super(`kubelet ${describeEndpoint(endpoint)} GET ${path}: HTTP ${code}${text === "" ? "" : `: ${text.trim().slice(0, 200)}`}`);
    this.name = "KubeletHttpError";
    this.code = code;
  }
}

/** Options of createKubeletClient. */
export interface KubeletClientOptions {
  /** The API client whose credentials are sent (never to a kubelet whose certificate fails verification). */
  readonly rest: RestClient;
  /**
   * CA bundle that signed the kubelets' serving certificates.
   * @defaultValue the connection's CA: in a pod, the cluster CA it mounts at
   * /var/run/secrets/kubernetes.io/serviceaccount/ca.crt. On k3s that is the server CA,
   * which also signs every kubelet's serving certificate (for its node name, 127.0.0.1
   * and its node IPs), so the default verifies k3s's kubelets.
   */
  readonly ca?: Buffer;
  /** Whole-request limit, connect included: short, so the node proxy can still be tried within a doctor check's 10 s. @defaultValue 4000 */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 4_000;

/** Where the node's kubelet answers, or undefined when the node does not say (no InternalIP or no kubelet port in its status). */
export function kubeletEndpoint(node: Node): KubeletEndpoint | undefined {
  const address = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (address === undefined || address === "" || port === undefined || port <= 0) return undefined;
  return { address, port };
}

/** The TLS error codes of a serving certificate that does not verify (OpenSSL's and Node's). */
export function isCertificateError(err: unknown): boolean {
  const code = err !== null && typeof err === "object" && "code" in err ? String(err.code) : "";
  return /CERT|SELF_SIGNED|SIGNATURE|ALTNAME|ISSUER/.test(code);
}

/** Creates a client that verifies every kubelet's certificate: there is no insecure mode. */
export function createKubeletClient(options: KubeletClientOptions): KubeletClient {
  const { connection } = options.rest;
  const ca = options.ca ?? connection.tls.ca;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async json<T>(endpoint: KubeletEndpoint, path: string, signal?: AbortSignal): Promise<T> {
      const authorization = await options.rest.authorization();
      const timeout = AbortSignal.timeout(timeoutMs);
      const both = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
      try {
        return await new Promise<T>((resolve, reject) => {
          const req = https.request(
            {
              hostname: endpoint.address,
              port: endpoint.port,
              method: "GET",
              path,
              headers: { Accept: "application/json", ...(authorization === undefined ? {} : { Authorization: authorization }) },
              ...(ca === undefined ? {} : { ca }),
              ...(connection.tls.cert === undefined ? {} : { cert: connection.tls.cert }),
              ...(connection.tls.key === undefined ? {} : { key: connection.tls.key }),
              // Even when the kubeconfig skips verifying the API server: the token is not
              // sent to an endpoint that cannot prove it is the node's kubelet.
              rejectUnauthorized: true,
              // One short request per node per doctor run: no idle sockets left behind.
              agent: false,
              signal: both,
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("error", reject);
              res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                const code = res.statusCode ?? 0;
                if (code < 200 || code > 299) return reject(new KubeletHttpError(endpoint, path, code, text));
                try {
                  resolve(JSON.parse(text) as T);
                } catch (err) {
                  reject(new Error(`kubelet ${describeEndpoint(endpoint)} GET ${path}: not JSON`, { cause: err }));
                }
              });
            },
          );
          req.on("error", reject);
          req.end();
        });
      } catch (err) {
        if (timeout.aborted && signal?.aborted !== true) throw new Error(`kubelet ${describeEndpoint(endpoint)} GET ${path}: no answer in ${timeoutMs} ms`, { cause: err });
        throw err;
      }
    },
  };
}
