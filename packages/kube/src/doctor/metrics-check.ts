import type { CheckOutcome, HealthCheck } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { nodeMetrics } from "../ops/metrics.ts";

/** metrics-server answers the resource metrics API (autoscaling and apps:ps CPU need it). */
export function metricsCheck(apis: KubeApis): HealthCheck {
  return {
    id: "metrics",
    title: "Resource metrics (metrics-server)",
    async run(): Promise<CheckOutcome> {
      try {
        const nodes = (await nodeMetrics(apis.rest)).items;
        if (nodes.length === 0) return { status: "warn", finding: "metrics-server answers but has no node metrics yet", fix: "wait a minute after a start; if it stays empty, read its log: kubectl logs -n kube-system deploy/metrics-server" };
        return { status: "ok", finding: `metrics-server reports ${nodes.length} node${nodes.length === 1 ? "" : "s"}` };
      } catch (err) {
        return {
          status: "fail",
          finding: `the metrics API does not answer (${err instanceof Error ? err.message.slice(0, 160) : "error"}): autoscaling is blind and apps:ps shows no CPU`,
          fix: "k3s runs metrics-server unless installed with --disable=metrics-server: kubectl -n kube-system get deploy metrics-server; kubectl get apiservice v1beta1.metrics.k8s.io",
        };
      }
    },
  };
}
