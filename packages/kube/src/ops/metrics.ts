import type { RestClient } from "../rest/client.ts";

/** CPU and memory quantities as metrics-server reports them (`12345678n`, `65536Ki`). */
export interface ResourceUsage {
  readonly cpu?: string;
  readonly memory?: string;
}

/** metrics.k8s.io/v1beta1 PodMetricsList (the fields QuickStack reads). */
export interface PodMetricsList {
  readonly items: readonly {
    readonly metadata: { readonly name: string; readonly namespace?: string };
    readonly containers: readonly { readonly name: string; readonly usage: ResourceUsage }[];
  }[];
}

/** metrics.k8s.io/v1beta1 NodeMetricsList (the fields QuickStack reads). */
export interface NodeMetricsList {
  readonly items: readonly { readonly metadata: { readonly name: string }; readonly usage: ResourceUsage }[];
}

const METRICS = "/apis/metrics.k8s.io/v1beta1";

/** Pod metrics of one namespace, or of every namespace when undefined; throws without metrics-server. */
export function podMetrics(rest: RestClient, namespace?: string): Promise<PodMetricsList> {
  const path = namespace === undefined ? `${METRICS}/pods` : `${METRICS}/namespaces/${encodeURIComponent(namespace)}/pods`;
  return rest.json<PodMetricsList>("GET", path);
}

/** Node metrics; throws without metrics-server. */
export function nodeMetrics(rest: RestClient): Promise<NodeMetricsList> {
  return rest.json<NodeMetricsList>("GET", `${METRICS}/nodes`);
}
