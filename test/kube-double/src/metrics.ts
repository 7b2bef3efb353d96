import type { IncomingMessage, ServerResponse } from "node:http";
import type { KubeApi } from "./api.ts";
import { sendJson } from "./http-util.ts";
import type { Kubelet, PodRun } from "./kubelet.ts";
import type { RequestContext } from "./router.ts";
import { parseLabelSelector } from "./selectors.ts";
import { notFound } from "./status.ts";
import type { KubeObject } from "./types.ts";

// metrics.k8s.io/v1beta1 as metrics-server serves it: PodMetrics for pods with running
// containers (usage from each container's script: cpuMillicores, memoryBytes) and
// NodeMetrics summing the pods on a node plus a base system load.

const DEFAULT_CPU_M = 5;
const DEFAULT_MEMORY = 32 * 1024 * 1024;
const NODE_BASE_CPU_M = 100;
const NODE_BASE_MEMORY = 512 * 1024 * 1024;

const cpu = (m: number): string => `${Math.round(m * 1_000_000)}n`;
const mem = (bytes: number): string => `${Math.round(bytes / 1024)}Ki`;
const stamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

function podUsage(run: PodRun): { name: string; cpuM: number; memory: number }[] {
  return run.containers
    .filter((c) => c.running)
    .map((c) => ({ name: c.name, cpuM: c.script?.cpuMillicores ?? DEFAULT_CPU_M, memory: c.script?.memoryBytes ?? DEFAULT_MEMORY }));
}

function podMetrics(pod: KubeObject, run: PodRun): Record<string, unknown> | undefined {
  const usage = podUsage(run);
  if (usage.length === 0) return undefined;
  return {
    kind: "PodMetrics",
    apiVersion: "metrics.k8s.io/v1beta1",
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: stamp(), labels: pod.metadata.labels ?? {} },
    timestamp: stamp(),
    window: "15s",
    containers: usage.map((u) => ({ name: u.name, usage: { cpu: cpu(u.cpuM), memory: mem(u.memory) } })),
  };
}

/** Handler for GET/LIST of metrics.k8s.io pods and nodes. */
export function createMetricsHandler(api: KubeApi, kubelet: Kubelet) {
  return (_req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> => {
    const match = parseLabelSelector(ctx.query.get("labelSelector"));
    if (ctx.type.kind === "PodMetrics") {
      const podType = api.registry.builtin("Pod");
      const pods = ctx.path.name !== undefined
        ? [api.find(podType, ctx.path.namespace, ctx.path.name)].filter((p): p is KubeObject => p !== undefined)
        : api.list(podType, ctx.path.namespace).filter(match);
      const items = pods.flatMap((p) => {
        const run = kubelet.pod(p.metadata.namespace ?? "", p.metadata.name);
        const m = run && podMetrics(p, run);
        return m ? [m] : [];
      });
      if (ctx.path.name !== undefined) {
        if (!items[0]) throw notFound(ctx.type, ctx.path.name);
        sendJson(res, 200, items[0]);
      } else sendJson(res, 200, { kind: "PodMetricsList", apiVersion: "metrics.k8s.io/v1beta1", metadata: {}, items });
      return Promise.resolve();
    }
    const nodes = api.list(api.registry.builtin("Node")).filter((n) => (ctx.path.name === undefined ? match(n) : n.metadata.name === ctx.path.name));
    const items = nodes.map((n) => {
      const runs = kubelet.allPods().filter((r) => r.node === n.metadata.name);
      const usage = runs.flatMap(podUsage);
      return {
        kind: "NodeMetrics",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: { name: n.metadata.name, creationTimestamp: stamp(), labels: n.metadata.labels ?? {} },
        timestamp: stamp(),
        window: "20s",
        usage: {
          cpu: cpu(NODE_BASE_CPU_M + usage.reduce((s, u) => s + u.cpuM, 0)),
          memory: mem(NODE_BASE_MEMORY + usage.reduce((s, u) => s + u.memory, 0)),
        },
      };
    });
    if (ctx.path.name !== undefined) {
      if (!items[0]) throw notFound(ctx.type, ctx.path.name);
      sendJson(res, 200, items[0]);
    } else sendJson(res, 200, { kind: "NodeMetricsList", apiVersion: "metrics.k8s.io/v1beta1", metadata: {}, items });
    return Promise.resolve();
  };
}
