import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { promisify } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { startKubeDouble, type KubeDouble, type KubeDoubleOptions } from "./src/index.ts";

// Contract-suite harness: the same tests run against a real cluster when QS_TEST_KUBECONFIG
// is set and against a double they start otherwise.

export interface Target {
  /** The double when running against it; undefined on a real cluster. */
  double: KubeDouble | undefined;
  kubeconfigPath: string;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  batch: k8s.BatchV1Api;
  objects: k8s.KubernetesObjectApi;
  /** Runs the real kubectl against the target; resolves with stdout (rejects with stderr). */
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** A raw HTTP request with the kubeconfig's credentials (bodies sent byte-for-byte). */
  raw(method: string, path: string, body?: unknown, contentType?: string): Promise<RawResponse>;
  /** A fresh namespace name for one test (deleted by cleanup). */
  namespace(): Promise<string>;
  close(): Promise<void>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): Record<string, unknown>;
}

export const realCluster = process.env.QS_TEST_KUBECONFIG !== undefined && process.env.QS_TEST_KUBECONFIG !== "";

/** Connects to QS_TEST_KUBECONFIG or starts a double with `options`. */
export async function connect(options: KubeDoubleOptions = {}): Promise<Target> {
  const double = realCluster ? undefined : await startKubeDouble({ hostExec: true, ...options });
  const kubeconfigPath = double ? double.kubeconfigPath : process.env.QS_TEST_KUBECONFIG!;
  const kc = new k8s.KubeConfig();
  kc.loadFromString(await readFile(kubeconfigPath, "utf8"));
  const created: string[] = [];
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return {
    double,
    kubeconfigPath,
    kc,
    core,
    apps: kc.makeApiClient(k8s.AppsV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    async kubectl(args, opts = {}) {
      const run = promisify(execFile);
      const child = run("/usr/bin/kubectl", ["--kubeconfig", kubeconfigPath, ...args], { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 });
      if (opts.input !== undefined) {
        child.child.stdin?.end(opts.input);
      }
      const { stdout } = await child;
      return stdout;
    },
    async raw(method, path, body, contentType = "application/json") {
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error("kubeconfig has no current cluster");
      const url = new URL(path, cluster.server);
      const opts: RequestOptions = { method, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: {} };
      await kc.applyToHTTPSOptions(opts);
      const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      if (text !== undefined) opts.headers = { ...opts.headers, "Content-Type": contentType };
      return new Promise<RawResponse>((resolve, reject) => {
        const req = httpsRequest(opts, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const b = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: () => JSON.parse(b) as Record<string, unknown> });
          });
          res.on("error", reject);
        });
        req.on("error", reject);
        req.end(text);
      });
    },
    async namespace() {
      const name = `kd-${randomUUID().slice(0, 8)}`;
      await core.createNamespace({ body: { metadata: { name } } });
      created.push(name);
      return name;
    },
    async close() {
      await Promise.allSettled(created.map((name) => core.deleteNamespace({ name })));
      await double?.close();
    },
  };
}

/** Extracts the Status body of a client-node ApiException. */
export function statusOf(err: unknown): { code?: number; reason?: string; message?: string; details?: { causes?: { field?: string; reason?: string; message?: string }[] } } {
  if (err instanceof k8s.ApiException) {
    const body = err.body as unknown;
    return (typeof body === "string" ? JSON.parse(body) : body) as ReturnType<typeof statusOf>;
  }
  throw err;
}

/** Resolves when `check` returns a value (not undefined), polling every 50 ms. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
