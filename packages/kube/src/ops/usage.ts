import type { UsageSource } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { nodeMetrics, podMetrics } from "./metrics.ts";
import { cpuMillicores, memoryBytes } from "./quantity.ts";

/** App namespaces are `qs-app-<app>` (core/names.ts appNamespace). */
const APP_NAMESPACE = /^qs-app-(.+)$/;

/**
 * CPU and memory per app and per node from metrics.k8s.io, for the status page's
 * sampler: one cluster-wide pod metrics list and one node list per sample.
 */
export function createUsageSource(apis: KubeApis): UsageSource {
  return {
    async sample() {
      const apps: Record<string, { cpuMillicores: number; memoryBytes: number }> = {};
      const nodes: Record<string, { cpuMillicores: number; memoryBytes: number }> = {};
      const [pods, nodeList] = await Promise.all([podMetrics(apis.rest), nodeMetrics(apis.rest)]);
      for (const pod of pods.items) {
        const app = APP_NAMESPACE.exec(pod.metadata.namespace ?? "")?.[1];
        if (app === undefined) continue;
        const total = (apps[app] ??= { cpuMillicores: 0, memoryBytes: 0 });
        for (const c of pod.containers) {
          total.cpuMillicores += cpuMillicores(c.usage.cpu) ?? 0;
          total.memoryBytes += memoryBytes(c.usage.memory) ?? 0;
        }
      }
      for (const node of nodeList.items) {
        nodes[node.metadata.name] = {
          cpuMillicores: cpuMillicores(node.usage.cpu) ?? 0,
          memoryBytes: memoryBytes(node.usage.memory) ?? 0,
        };
      }
      return { apps, nodes };
    },
  };
}
