import type { NodeInfo } from "@qs/core";
import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { table } from "../output.ts";
import { nodesOf } from "../users/support.ts";
import { formatBytes, formatCpu } from "./format.ts";

/** `nodes:list`: the cluster's nodes with status, capacity and usage (metrics.k8s.io). */
export const nodesListCommand: Command = {
  name: "nodes:list",
  summary: "List cluster nodes with capacity and usage",
  usage: "",
  mutating: false,
  adminOnly: true,
  api: { method: "get", path: "/nodes", toArgs: () => [] },
  async run(ctx) {
    parseArgs(ctx.args, {}, { usage: "nodes:list", max: 0 });
    requireAdmin(ctx, "see the cluster's nodes");
    const nodes = await nodesOf(ctx).list();
    return { json: nodes, text: nodesTable(nodes) };
  },
};

function usage(used: string | undefined, capacity: string, percent: number | undefined): string {
  return used === undefined ? `-/${capacity}` : `${used}/${capacity} (${percent ?? 0}%)`;
}

/** The human table of nodes. */
export function nodesTable(nodes: readonly NodeInfo[]): string {
  const rows = nodes.map((n) => [
    n.name,
    n.status,
    n.roles.join(",") || "worker",
    usage(
      n.cpuUsageMillicores === undefined ? undefined : formatCpu(n.cpuUsageMillicores),
      formatCpu(n.cpuCapacityMillicores),
      n.cpuUsageMillicores === undefined ? undefined : Math.round((100 * n.cpuUsageMillicores) / Math.max(1, n.cpuCapacityMillicores)),
    ),
    usage(
      n.memoryUsageBytes === undefined ? undefined : formatBytes(n.memoryUsageBytes),
      formatBytes(n.memoryCapacityBytes),
      n.memoryUsageBytes === undefined ? undefined : Math.round((100 * n.memoryUsageBytes) / Math.max(1, n.memoryCapacityBytes)),
    ),
    n.version,
    n.internalIp ?? "-",
  ]);
  return table(["name", "status", "roles", "cpu", "memory", "version", "ip"], rows);
}
