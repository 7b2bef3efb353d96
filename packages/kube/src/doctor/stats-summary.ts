import type { KubeApis } from "../apis.ts";
import { statusOf } from "../apis.ts";

/** Bytes of one filesystem as the kubelet measures it (stats/v1alpha1 FsStats). */
export interface FsStats {
  readonly capacityBytes?: number;
  readonly usedBytes?: number;
  readonly availableBytes?: number;
}

/** A pod volume in the summary; `pvcRef` names the claim when it is one. */
export interface VolumeStats extends FsStats {
  readonly name: string;
  readonly pvcRef?: { readonly name: string; readonly namespace: string };
}

/** The parts of the kubelet's stats summary (k8s.io/kubelet/pkg/apis/stats/v1alpha1) doctor reads. */
export interface StatsSummary {
  readonly node: { readonly nodeName: string; readonly fs?: FsStats };
  readonly pods?: readonly { readonly podRef: { readonly name: string; readonly namespace: string }; readonly volume?: readonly VolumeStats[] }[];
}

/** Every node's summary, or why they cannot be read (RBAC refuses nodes/proxy). */
export type SummariesResult = { readonly summaries: readonly StatsSummary[] } | { readonly refused: string };

/**
 * Reads each node's kubelet stats summary through the API server's node proxy
 * (`GET /api/v1/nodes/<node>/proxy/stats/summary`, RBAC `get nodes/proxy`). A node whose
 * kubelet does not answer (NotReady) is left out: the nodes check reports it.
 */
export async function readStatsSummaries(apis: KubeApis, signal?: AbortSignal): Promise<SummariesResult> {
  const nodes = (await apis.nodes.list()).items.map((n) => n.metadata?.name ?? "").filter((n) => n !== "");
  const summaries: StatsSummary[] = [];
  for (const node of nodes) {
    try {
      summaries.push(await apis.rest.json<StatsSummary>("GET", `/api/v1/nodes/${encodeURIComponent(node)}/proxy/stats/summary`, signal === undefined ? {} : { signal }));
    } catch (err) {
      const code = statusOf(err);
      if (code === 401 || code === 403) return { refused: `the API server refused the control plane the kubelet's stats (${code}: get nodes/proxy)` };
      if (code === undefined) throw err;
      // 5xx/404: this node's kubelet is unreachable; the nodes check says why.
    }
  }
  return { summaries };
}

/** used/capacity as a whole percentage, or undefined when the kubelet did not measure it. */
export function percentUsed(fs: FsStats | undefined): number | undefined {
  if (fs?.capacityBytes === undefined || fs.usedBytes === undefined || fs.capacityBytes <= 0) return undefined;
  return Math.round((fs.usedBytes / fs.capacityBytes) * 100);
}

/** Bytes as the largest unit that keeps one digit before the point (1.5 GiB, 800 MiB). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit] ?? "B"}`;
}
