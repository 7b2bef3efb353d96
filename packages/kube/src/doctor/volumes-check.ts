import { type CheckOutcome, type HealthCheck, formatBytes } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { LABEL_APP } from "../labels.ts";
import type { PersistentVolumeClaim } from "../rest/wire.ts";
import { type StatsSummary, type UnreadNode, percentUsed, readStatsSummaries } from "./stats-summary.ts";

/** A volume or node disk this full is a warning … */
export const VOLUME_WARN_PERCENT = 80;
/** … and this full a failure: writes are about to fail (databases stop, uploads break). */
export const VOLUME_FAIL_PERCENT = 95;

const LABEL_VOLUME = "quickstack.dev/volume";

/**
 * No volume near full. The kubelet measures volumes that have their own filesystem (CSI:
 * Longhorn …); k3s's default local-path volumes are folders on the node's disk with no size
 * limit, which the kubelet does not measure, so for them the node's disk is what fills.
 */
export function volumesCheck(apis: KubeApis): HealthCheck {
  return {
    id: "volumes",
    title: "Volumes and node disks not near full",
    async run(signal): Promise<CheckOutcome> {
      const [read, pvcs] = await Promise.all([readStatsSummaries(apis, signal), apis.persistentVolumeClaims.listAll()]);
      if ("refused" in read) {
        // Not a warning: the installer decides this right, and a warning every run would
        // make `doctor` in cron fail forever.
        return { status: "ok", finding: `skipped: ${read.refused}; volume usage is not checked` };
      }
      return judgeVolumes(read.summaries, pvcs.items, read.unread);
    },
  };
}

interface Problem {
  readonly status: "warn" | "fail";
  readonly percent: number;
  readonly finding: string;
  readonly fix: string;
}

const statusFor = (percent: number): "warn" | "fail" | undefined =>
  percent >= VOLUME_FAIL_PERCENT ? "fail" : percent >= VOLUME_WARN_PERCENT ? "warn" : undefined;

/** What to do about a full claim: an app's volume, or one of QuickStack's own. */
function volumeFix(namespace: string, name: string, pvc: PersistentVolumeClaim | undefined): string {
  const app = pvc?.metadata?.labels?.[LABEL_APP];
  const volume = pvc?.metadata?.labels?.[LABEL_VOLUME];
  if (app !== undefined && volume !== undefined) {
    return `delete what ${app} no longer needs there (ssh -t qs apps:enter ${app}, then du -sh on the path ssh qs apps:volumes ${app} shows), or move the data to a bigger volume (ssh qs apps:volumes-add ${app} NAME PATH --size …)`;
  }
  if (namespace === "qs-system" && name.includes("registry")) {
    return "lower QS_KEEP_IMAGES, then restart the registry to free deleted images' space (kubectl -n qs-system rollout restart deployment/registry), or grow the volume";
  }
  return `see what fills it: kubectl -n ${namespace} describe pvc ${name}; free space in it or grow it`;
}

/** The verdict on the nodes' stats summaries and the cluster's claims (pure, for tests); `unread` nodes are named, not judged. */
export function judgeVolumes(summaries: readonly StatsSummary[], pvcs: readonly PersistentVolumeClaim[], unread: readonly UnreadNode[] = []): CheckOutcome {
  const claims = new Map(pvcs.map((p) => [`${p.metadata?.namespace ?? ""}/${p.metadata?.name ?? ""}`, p]));
  const measured = new Map<string, { percent: number; used: number; capacity: number }>();
  for (const summary of summaries) {
    for (const pod of summary.pods ?? []) {
      for (const v of pod.volume ?? []) {
        const percent = percentUsed(v);
        if (v.pvcRef === undefined || percent === undefined) continue;
        // A claim mounted by several pods (ReadWriteMany) is one volume.
        measured.set(`${v.pvcRef.namespace}/${v.pvcRef.name}`, { percent, used: v.usedBytes ?? 0, capacity: v.capacityBytes ?? 0 });
      }
    }
  }
  const problems: Problem[] = [];
  for (const [key, m] of measured) {
    const status = statusFor(m.percent);
    if (status === undefined) continue;
    const [namespace = "", name = ""] = key.split("/");
    const pvc = claims.get(key);
    const app = pvc?.metadata?.labels?.[LABEL_APP];
    const what = app === undefined ? `volume ${key}` : `volume ${pvc?.metadata?.labels?.[LABEL_VOLUME] ?? name} of ${app}`;
    problems.push({ status, percent: m.percent, finding: `${what} is ${m.percent}% full (${formatBytes(m.used)} of ${formatBytes(m.capacity)})`, fix: volumeFix(namespace, name, pvc) });
  }
  const unmeasured = [...claims.keys()].filter((k) => !measured.has(k) && claims.get(k)?.status?.phase === "Bound").length;
  const disks: string[] = [];
  for (const summary of summaries) {
    const percent = percentUsed(summary.node.fs);
    if (percent === undefined) continue;
    disks.push(`${summary.node.nodeName} ${percent}%`);
    const status = statusFor(percent);
    if (status === undefined) continue;
    const node = summary.node.nodeName;
    const local = unmeasured === 0 ? "" : ` (local-path volumes, which have no size limit of their own, are folders on it)`;
    problems.push({
      status,
      percent,
      finding: `node ${node}'s disk is ${percent}% full (${formatBytes(summary.node.fs?.usedBytes ?? 0)} of ${formatBytes(summary.node.fs?.capacityBytes ?? 0)})${local}`,
      fix: `on ${node}: k3s crictl rmi --prune (unused images), journalctl --vacuum-size=200M; du -sh /var/lib/rancher/k3s/storage/* shows which local-path volume grows`,
    });
  }
  problems.sort((a, b) => (a.status === b.status ? b.percent - a.percent : a.status === "fail" ? -1 : 1));
  const first = problems[0];
  if (first !== undefined) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    return { status: first.status, finding: `${first.finding}${more}`, fix: first.fix };
  }
  const fullest = [...measured.entries()].sort((a, b) => b[1].percent - a[1].percent)[0];
  const parts = [
    measured.size === 0 ? "no volume measured by the kubelet" : `${measured.size} volume${measured.size === 1 ? "" : "s"} below ${VOLUME_WARN_PERCENT}% (fullest ${fullest?.[0] ?? ""} ${fullest?.[1].percent ?? 0}%)`,
    ...(unmeasured === 0 ? [] : [`${unmeasured} not measured (local-path, on the node's disk; or not mounted)`]),
    ...(disks.length === 0 ? [] : [`node disks: ${disks.join(", ")}`]),
    ...(unread.length === 0 ? [] : [`not read: ${unread.map((u) => u.reason).join("; ")}`]),
  ];
  return { status: "ok", finding: parts.join("; ") };
}
