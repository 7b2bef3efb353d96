import type { AutoscaleSettings } from "@qs/core";
import type { HorizontalPodAutoscaler } from "../rest/wire.ts";
import { LABEL_COMPONENT, LABEL_PROCESS, appLabels, names } from "../labels.ts";
import { type RenderInput, namespaceOf, ownerReference } from "./context.ts";

/** The autoscaling/v2 HorizontalPodAutoscaler of one process type's Deployment. */
export function buildHorizontalPodAutoscaler(input: RenderInput, process: string, autoscale: AutoscaleSettings): HorizontalPodAutoscaler {
  const { app, options } = input;
  const metrics: NonNullable<NonNullable<HorizontalPodAutoscaler["spec"]>["metrics"]> = [];
  // Utilization is relative to the container's request, which buildDeployment always sets.
  if (autoscale.cpuPercent !== undefined) {
    metrics.push({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscale.cpuPercent } } });
  }
  if (autoscale.memoryPercent !== undefined) {
    metrics.push({ type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: autoscale.memoryPercent } } });
  }
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: {
      name: names.deployment(app, process),
      namespace: namespaceOf(input),
      labels: appLabels(app, { [LABEL_PROCESS]: process, [LABEL_COMPONENT]: "rendered" }),
      ownerReferences: [ownerReference(input)],
    },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: names.deployment(app, process) },
      minReplicas: autoscale.min,
      maxReplicas: autoscale.max,
      metrics,
      behavior: { scaleDown: { stabilizationWindowSeconds: options.scaleDownStabilizationSeconds } },
    },
  };
}
