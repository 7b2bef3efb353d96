import type { CheckOutcome, HealthCheck } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import type { Node } from "../rest/wire.ts";

/** Node conditions that mean the kubelet is evicting or about to: each names its fix. */
const PRESSURE: Readonly<Record<string, string>> = {
  DiskPressure: "free disk space on it (old images: k3s crictl rmi --prune; logs; the registry: ssh qs doctor lists its garbage)",
  MemoryPressure: "lower apps' memory (apps:resources-set) or scale them down, or add a node",
  PIDPressure: "find the app starting too many processes (apps:ps) and restart it",
};

/** Every node Ready, none under disk, memory or process pressure. */
export function nodesCheck(apis: KubeApis): HealthCheck {
  return {
    id: "nodes",
    title: "Nodes ready, no disk or memory pressure",
    async run(): Promise<CheckOutcome> {
      return judgeNodes((await apis.nodes.list()).items);
    },
  };
}

/** The verdict on a node list (pure, for tests). */
export function judgeNodes(nodes: readonly Node[]): CheckOutcome {
  if (nodes.length === 0) return { status: "fail", finding: "the cluster has no nodes", fix: "start k3s on the server (systemctl start k3s)" };
  for (const node of nodes) {
    const name = node.metadata?.name ?? "";
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    if (ready?.status !== "True") {
      const why = ready === undefined ? "no Ready condition yet" : `${ready.reason ?? "NotReady"}${ready.message === undefined ? "" : `: ${ready.message}`}`;
      return {
        status: "fail",
        finding: `node ${name} is NotReady (${why.slice(0, 200)})`,
        fix: `on ${name}: systemctl status k3s-agent (or k3s on the server) and journalctl -u k3s* -n 50; a node that left for good: kubectl delete node ${name}`,
      };
    }
  }
  for (const node of nodes) {
    for (const c of node.status?.conditions ?? []) {
      const fix = PRESSURE[c.type];
      if (fix !== undefined && c.status === "True") {
        return { status: "warn", finding: `node ${node.metadata?.name ?? ""} reports ${c.type}`, fix: `on that node: ${fix}` };
      }
    }
  }
  const names = nodes.map((n) => n.metadata?.name ?? "").join(", ");
  return { status: "ok", finding: `${nodes.length} node${nodes.length === 1 ? "" : "s"} Ready (${names})` };
}
