import type { CheckOutcome, HealthCheck } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import type { Node } from "../rest/wire.ts";

/** Each node's kubelet is on the Kubernetes minor QuickStack supports, or newer. */
export function versionCheck(apis: KubeApis, supported: string): HealthCheck {
  return {
    id: "kubernetes-version",
    title: "Kubernetes (k3s) version",
    async run(): Promise<CheckOutcome> {
      return judgeVersions((await apis.nodes.list()).items, supported);
    },
  };
}

function minorOf(version: string): number | undefined {
  const m = /^v?1\.(\d+)\./.exec(version);
  return m === null ? undefined : Number(m[1]);
}

/** The verdict on node versions against `supported` (e.g. v1.34.4+k3s1) (pure, for tests). */
export function judgeVersions(nodes: readonly Node[], supported: string): CheckOutcome {
  const want = minorOf(supported);
  for (const node of nodes) {
    const version = node.status?.nodeInfo?.kubeletVersion ?? "";
    const minor = minorOf(version);
    if (want !== undefined && minor !== undefined && minor < want) {
      return {
        status: "warn",
        finding: `node ${node.metadata?.name ?? ""} runs ${version}, behind the supported ${supported}`,
        fix: `upgrade k3s on it to the pinned release: curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION=${supported} sh - (server first, then agents)`,
      };
    }
  }
  const versions = [...new Set(nodes.map((n) => n.status?.nodeInfo?.kubeletVersion ?? "?"))].join(", ");
  return { status: "ok", finding: `nodes run ${versions || "no version"} (supported: ${supported})` };
}
