import { NotFoundError, type NodeInfo, type NodeOps } from "@qs/core";
import { type KubeApis, orUndefined } from "../apis.ts";
import type { Node } from "../rest/wire.ts";
import { buildJoinCommand } from "./join-command.ts";
import { nodeMetrics } from "./metrics.ts";
import { cpuMillicores, memoryBytes } from "./quantity.ts";

/** Options of createNodeOps. */
export interface NodeOpsOptions {
  readonly apis: KubeApis;
  /** Namespace of the join Secret. @defaultValue "qs-system" */
  readonly namespace?: string;
  /**
   * Secret the installer writes (deploy/INSTALL.md step 9) with keys `token` (the k3s
   * agent token, from /var/lib/rancher/k3s/server/node-token), `server`
   * (https://<host>:6443) and optionally `install-url`. @defaultValue "quickstack-join"
   */
  readonly joinSecret?: string;
  /** Install script URL when the Secret has no `install-url` (e.g. from QS_INSTALL_URL). */
  readonly installUrl?: string;
}

const ROLE_PREFIX = "node-role.kubernetes.io/";

/** The status column of a node: Ready/NotReady/Unknown plus SchedulingDisabled. */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const base = ready === undefined ? "Unknown" : ready.status === "True" ? "Ready" : ready.status === "False" ? "NotReady" : "Unknown";
  return node.spec?.unschedulable === true ? `${base},SchedulingDisabled` : base;
}

/** Node listing with usage from metrics.k8s.io, and the join line from the installer's Secret. */
export function createNodeOps(options: NodeOpsOptions): NodeOps {
  const { apis } = options;
  const namespace = options.namespace ?? "qs-system";
  const joinSecret = options.joinSecret ?? "quickstack-join";
  return {
    async list() {
      const nodes = (await apis.nodes.list()).items;
      const usage = new Map<string, { cpu?: number; memory?: number }>();
      try {
        for (const m of (await nodeMetrics(apis.rest)).items) {
          usage.set(m.metadata.name, { cpu: cpuMillicores(m.usage.cpu), memory: memoryBytes(m.usage.memory) });
        }
      } catch {
        // metrics-server missing or warming up: capacity and status are still useful.
      }
      return nodes
        .map((n): NodeInfo => {
          const name = n.metadata?.name ?? "";
          const u = usage.get(name);
          const ip = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
          const roles = Object.keys(n.metadata?.labels ?? {})
            .filter((l) => l.startsWith(ROLE_PREFIX))
            .map((l) => l.slice(ROLE_PREFIX.length))
            .sort();
          const created = Date.parse(n.metadata?.creationTimestamp ?? "");
          return {
            name,
            status: nodeStatus(n),
            roles,
            version: n.status?.nodeInfo?.kubeletVersion ?? "",
            ...(ip === undefined ? {} : { internalIp: ip }),
            cpuCapacityMillicores: cpuMillicores(n.status?.capacity?.cpu) ?? 0,
            memoryCapacityBytes: memoryBytes(n.status?.capacity?.memory) ?? 0,
            ...(u?.cpu === undefined ? {} : { cpuUsageMillicores: Math.round(u.cpu) }),
            ...(u?.memory === undefined ? {} : { memoryUsageBytes: u.memory }),
            ...(Number.isNaN(created) ? {} : { createdAt: new Date(created).toISOString() }),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
    },

    async joinCommand() {
      const data = (await orUndefined(() => apis.secrets.read(namespace, joinSecret)))?.data;
      const get = (k: string): string | undefined => {
        const v = data?.[k];
        return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8").trim();
      };
      const token = get("token");
      const server = get("server");
      const installUrl = get("install-url") ?? options.installUrl;
      if (token === undefined || server === undefined || installUrl === undefined) {
        throw new NotFoundError("JOIN_INFO_MISSING", `the join information (Secret ${namespace}/${joinSecret}) is missing`, {
          hint: "the installer writes it; on the first VPS re-run the installer, or create it from /var/lib/rancher/k3s/server/node-token",
        });
      }
      return buildJoinCommand({ installUrl, server, token, withLonghorn: get("with-longhorn") === "true" });
    },
  };
}
