import type { CheckOutcome, HealthCheck } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { LABEL_APP, LABEL_MANAGED_BY, LABEL_PROCESS, MANAGED_BY } from "../labels.ts";
import type { Deployment, Pod } from "../rest/wire.ts";

/** Restarts after which a pod waiting in back-off counts as crash-looping. */
export const CRASH_LOOP_RESTARTS = 3;

/** No app pod crash-looping, no app rollout stuck past its deadline. */
export function appsCheck(apis: KubeApis): HealthCheck {
  return {
    id: "apps",
    title: "Apps running: none crash-looping or stuck in a rollout",
    async run(): Promise<CheckOutcome> {
      const selector = { labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_APP}` };
      const deployments = (await apis.deployments.listAll(selector)).items;
      // Pods are read namespace by namespace: the control plane may read them only where
      // it bound its role (deploy/base/rbac/RBAC.md), never across the cluster.
      const namespaces = [...new Set(deployments.map((d) => d.metadata?.namespace ?? ""))].filter((ns) => ns !== "").sort();
      const pods = await Promise.all(namespaces.map(async (ns) => (await apis.pods.list(ns, selector)).items));
      return judgeApps(pods.flat(), deployments);
    },
  };
}

/** The verdict on app pods and Deployments (pure, for tests). */
export function judgeApps(pods: readonly Pod[], deployments: readonly Deployment[]): CheckOutcome {
  const problems: { finding: string; fix: string }[] = [];
  for (const pod of pods) {
    const app = pod.metadata?.labels?.[LABEL_APP] ?? "";
    const process = pod.metadata?.labels?.[LABEL_PROCESS] ?? "";
    for (const cs of pod.status?.containerStatuses ?? []) {
      const waiting = cs.state?.waiting?.reason;
      if (waiting === "CrashLoopBackOff" || (waiting !== undefined && cs.restartCount >= CRASH_LOOP_RESTARTS && /BackOff|Error/.test(waiting))) {
        problems.push({
          finding: `${app} ${process} is crash-looping (${cs.restartCount} restarts, ${waiting})`,
          fix: `read why it exits: ssh qs apps:logs ${app} -p ${process}; then fix and push, or ssh qs apps:rollback ${app}`,
        });
      }
    }
  }
  for (const d of deployments) {
    const stuck = d.status?.conditions?.find((c) => c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded");
    if (stuck !== undefined) {
      const app = d.metadata?.labels?.[LABEL_APP] ?? "";
      problems.push({
        finding: `${app} ${d.metadata?.labels?.[LABEL_PROCESS] ?? ""} rollout is stuck (${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0} ready past the deadline)`,
        fix: `see which pods do not become ready: ssh qs apps:ps ${app}; roll back with ssh qs apps:rollback ${app}`,
      });
    }
  }
  const first = problems[0];
  if (first === undefined) return { status: "ok", finding: `${deployments.length} app process${deployments.length === 1 ? "" : "es"} running` };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return { status: "fail", finding: `${first.finding}${more}`, fix: first.fix };
}
