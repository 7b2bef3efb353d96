import type { KubeApis } from "../apis.ts";
import { statusOf } from "../apis.ts";
import type { Node } from "../rest/wire.ts";
import { type KubeletClient, type KubeletEndpoint, KubeletHttpError, createKubeletClient, describeEndpoint, isCertificateError, kubeletEndpoint } from "./kubelet-client.ts";

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

/** A node whose kubelet could not be read, and why. */
export interface UnreadNode {
  readonly node: string;
  readonly reason: string;
}

/**
 * The summaries of the nodes that answered (and which did not), or why none could be read:
 * the kubelets and the API server refuse the control plane, or the kubelets' certificates
 * do not verify.
 */
export type SummariesResult = { readonly summaries: readonly StatsSummary[]; readonly unread: readonly UnreadNode[] } | { readonly refused: string };

type NodeRead = { readonly summary: StatsSummary } | { readonly refused: string } | { readonly unreachable: string };

const SUMMARY_PATH = "/stats/summary";

/** Why the direct read failed, in words for the finding. */
function directFailure(node: string, endpoint: KubeletEndpoint, err: unknown): { reason: string; refused: boolean } {
  const at = describeEndpoint(endpoint);
  if (err instanceof KubeletHttpError && (err.code === 401 || err.code === 403)) {
    return { reason: `the kubelet on ${node} (${at}) refused the control plane its stats (${err.code}: get nodes/stats)`, refused: true };
  }
  const code = err !== null && typeof err === "object" && "code" in err ? String(err.code) : "";
  if (isCertificateError(err)) {
    return { reason: `the kubelet on ${node} (${at}) has a serving certificate the cluster CA does not verify (${code})`, refused: true };
  }
  return { reason: `the kubelet on ${node} did not answer at ${at} (${err instanceof Error ? err.message : String(err)})`, refused: false };
}

/**
 * One node's summary: straight from its kubelet when the node reports where it listens
 * (RBAC `get nodes/stats`), else, or when that fails, through the API server's node proxy
 * (RBAC `get nodes/proxy`, which the shipped role does not grant; the API double and
 * admin kubeconfigs have it).
 */
async function readNode(apis: KubeApis, node: Node, kubelet: KubeletClient | undefined, signal: AbortSignal | undefined): Promise<NodeRead> {
  const name = node.metadata?.name ?? "";
  const endpoint = kubelet === undefined ? undefined : kubeletEndpoint(node);
  let direct: { reason: string; refused: boolean } | undefined;
  if (kubelet !== undefined && endpoint !== undefined) {
    try {
      return { summary: await kubelet.json<StatsSummary>(endpoint, SUMMARY_PATH, signal) };
    } catch (err) {
      if (signal?.aborted === true) throw err;
      direct = directFailure(name, endpoint, err);
    }
  }
  try {
    return { summary: await apis.rest.json<StatsSummary>("GET", `/api/v1/nodes/${encodeURIComponent(name)}/proxy${SUMMARY_PATH}`, signal === undefined ? {} : { signal }) };
  } catch (err) {
    const code = statusOf(err);
    if (code === 401 || code === 403) {
      const proxy = `${code}: get nodes/proxy`;
      if (direct !== undefined) return { refused: `${direct.reason}; the API server's node proxy is not allowed either (${proxy})` };
      const why = endpoint === undefined ? `${name} reports no kubelet address and port to read them from directly` : "";
      return { refused: `the API server refused the control plane the kubelet's stats (${proxy})${why === "" ? "" : `, and ${why}`}` };
    }
    if (code === undefined) throw err;
    // 5xx/404: the API server cannot reach this node's kubelet either; the nodes check says why.
    return direct?.refused === true ? { refused: direct.reason } : { unreachable: direct?.reason ?? `the API server could not reach ${name}'s kubelet (${code})` };
  }
}

/**
 * Reads each node's kubelet stats summary (`/stats/summary`), as metrics-server does:
 * from the kubelet at the node's InternalIP and reported port, with the control plane's
 * credentials, verifying the kubelet's certificate against the cluster CA (see
 * kubelet-client.ts); through the API server's node proxy when that is not possible.
 * Nodes that answer on neither route are listed in `unread` (a NotReady node: the nodes
 * check reports it); `refused` when no node could be read because the control plane was
 * refused or a certificate did not verify.
 */
export async function readStatsSummaries(apis: KubeApis, signal?: AbortSignal, kubelet: KubeletClient | undefined = defaultKubeletClient(apis)): Promise<SummariesResult> {
  const nodes = (await apis.nodes.list()).items.filter((n) => (n.metadata?.name ?? "") !== "");
  const reads = await Promise.all(nodes.map((n) => readNode(apis, n, kubelet, signal)));
  const summaries: StatsSummary[] = [];
  const unread: UnreadNode[] = [];
  let refused: string | undefined;
  reads.forEach((r, i) => {
    const node = nodes[i]?.metadata?.name ?? "";
    if ("summary" in r) summaries.push(r.summary);
    else if ("refused" in r) {
      refused ??= r.refused;
      unread.push({ node, reason: r.refused });
    } else unread.push({ node, reason: r.unreachable });
  });
  if (summaries.length === 0 && refused !== undefined) return { refused };
  return { summaries, unread };
}

/** A kubelet client over the API client's credentials and CA; none when the client carries no connection (stubs). */
function defaultKubeletClient(apis: KubeApis): KubeletClient | undefined {
  return (apis.rest as Partial<KubeApis["rest"]>).connection === undefined ? undefined : createKubeletClient({ rest: apis.rest });
}

/** used/capacity as a whole percentage, or undefined when the kubelet did not measure it. */
export function percentUsed(fs: FsStats | undefined): number | undefined {
  if (fs?.capacityBytes === undefined || fs.usedBytes === undefined || fs.capacityBytes <= 0) return undefined;
  return Math.round((fs.usedBytes / fs.capacityBytes) * 100);
}

