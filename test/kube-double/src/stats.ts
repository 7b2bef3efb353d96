import type { KubeApi } from "./api.ts";
import type { Kubelet } from "./kubelet.ts";
import { parseQuantity } from "./quantity.ts";
import { notFound } from "./status.ts";
import type { KubeObject } from "./types.ts";

// The kubelet's stats summary (GET /api/v1/nodes/<node>/proxy/stats/summary through the API
// server's node proxy; kubelet's /stats/summary, k8s.io/kubelet/pkg/apis/stats/v1alpha1):
// the node's root filesystem and, per running pod, its volumes. Like a CSI volume (Longhorn)
// and unlike k3s's local-path (hostPath, which the kubelet cannot measure), every mounted
// claim is reported with a pvcRef. Tests set the numbers with annotations:
//   on a PersistentVolumeClaim  USED_BYTES_ANNOTATION  bytes used on the volume (default 0);
//   on a Node                   USED_BYTES_ANNOTATION  bytes used on its root fs (default 10 GiB).

/** Annotation giving the simulated bytes used on a claim's volume or a node's filesystem. */
export const USED_BYTES_ANNOTATION = "kube-double.quickstack.dev/used-bytes";

/** Size of each node's simulated root filesystem. */
export const NODE_FS_BYTES = 50 * 2 ** 30;
const NODE_FS_USED = 10 * 2 ** 30;

const usedOf = (obj: KubeObject | undefined, fallback: number): number => {
  const raw = obj?.metadata.annotations?.[USED_BYTES_ANNOTATION];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

const fsStats = (time: string, capacityBytes: number, usedBytes: number) => ({
  time,
  capacityBytes,
  usedBytes,
  availableBytes: Math.max(capacityBytes - usedBytes, 0),
  inodes: 1_000_000,
  inodesUsed: 1_000,
  inodesFree: 999_000,
});

/** The stats summary of `nodeName`; 404 for a node that does not exist. */
export function statsSummary(api: KubeApi, kubelet: Kubelet, nodeName: string): Record<string, unknown> {
  const nodeType = api.registry.builtin("Node");
  const node = api.find(nodeType, undefined, nodeName);
  if (node === undefined) throw notFound(nodeType, nodeName);
  const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const podType = api.registry.builtin("Pod");
  const pvcType = api.registry.builtin("PersistentVolumeClaim");
  const pods = kubelet
    .allPods()
    .filter((run) => run.node === nodeName && run.phase === "Running")
    .map((run) => {
      const pod = api.find(podType, run.namespace, run.name);
      const volumes = ((pod?.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] } | undefined)?.volumes ?? []).flatMap((v) => {
        const claimName = v.persistentVolumeClaim?.claimName;
        if (claimName === undefined) return [];
        const pvc = api.find(pvcType, run.namespace, claimName);
        const status = pvc?.status as { capacity?: { storage?: string } } | undefined;
        const spec = pvc?.spec as { resources?: { requests?: { storage?: string } } } | undefined;
        const capacity = parseQuantity(status?.capacity?.storage ?? spec?.resources?.requests?.storage ?? "1Gi");
        return [{ ...fsStats(time, capacity, usedOf(pvc, 0)), name: v.name, pvcRef: { name: claimName, namespace: run.namespace } }];
      });
      return { podRef: { name: run.name, namespace: run.namespace, uid: run.uid }, startTime: run.startTime, volume: volumes };
    });
  return { node: { nodeName, startTime: time, fs: fsStats(time, NODE_FS_BYTES, usedOf(node, NODE_FS_USED)) }, pods };
}
