import type { AutoscalerState } from "@qs/core";
import { appNamespace } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { LABEL_APP, LABEL_PROCESS } from "../labels.ts";
import type { HorizontalPodAutoscaler } from "../rest/wire.ts";

/** The core/v1 Event fields read here. */
interface EventObject {
  readonly reason?: string;
  readonly message?: string;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
}

/** The app's HPAs with their current/desired counts, targets and last rescale (from its events). */
export async function readAutoscalers(apis: KubeApis, app: string): Promise<AutoscalerState[]> {
  const namespace = appNamespace(app);
  const hpas = (await apis.horizontalPodAutoscalers.list(namespace, { labelSelector: `${LABEL_APP}=${app}` })).items;
  if (hpas.length === 0) return [];
  // The HPA controller records each change as a SuccessfulRescale event carrying the reason.
  const events = (
    await apis.rest.json<{ items: EventObject[] }>("GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
      query: { fieldSelector: "involvedObject.kind=HorizontalPodAutoscaler" },
    })
  ).items;
  return hpas.map((hpa) => autoscalerState(hpa, events)).sort((a, b) => a.process.localeCompare(b.process));
}

/** One HPA as AutoscalerState (pure, for tests). */
export function autoscalerState(hpa: HorizontalPodAutoscaler, events: readonly EventObject[]): AutoscalerState {
  const name = hpa.metadata?.name ?? "";
  const current = new Map<string, number | undefined>();
  for (const m of hpa.status?.currentMetrics ?? []) {
    if (m.resource !== undefined) current.set(m.resource.name, m.resource.current.averageUtilization);
  }
  const targets = (hpa.spec?.metrics ?? [])
    .filter((m) => m.resource !== undefined)
    .map((m) => `${m.resource?.name ?? ""} ${current.get(m.resource?.name ?? "") ?? "?"}%/${m.resource?.target.averageUtilization ?? "?"}%`);
  const last = events
    .filter((e) => e.involvedObject?.name === name && e.reason === "SuccessfulRescale")
    .sort((a, b) => (a.lastTimestamp ?? a.eventTime ?? "").localeCompare(b.lastTimestamp ?? b.eventTime ?? ""))
    .at(-1);
  const conditions = hpa.status?.conditions ?? [];
  const stuck = conditions.find((c) => (c.type === "AbleToScale" || c.type === "ScalingActive") && c.status === "False");
  const limited = conditions.find((c) => c.type === "ScalingLimited" && c.status === "True");
  const problem = stuck ?? limited;
  const lastTime = hpa.status?.lastScaleTime ?? last?.lastTimestamp ?? last?.eventTime;
  return {
    process: hpa.metadata?.labels?.[LABEL_PROCESS] ?? name,
    min: hpa.spec?.minReplicas ?? 1,
    max: hpa.spec?.maxReplicas ?? 1,
    current: hpa.status?.currentReplicas ?? 0,
    desired: hpa.status?.desiredReplicas ?? 0,
    targets,
    ...(lastTime === undefined ? {} : { lastScaleTime: lastTime }),
    ...(last?.message === undefined ? {} : { lastScaleReason: last.message }),
    ...(problem === undefined ? {} : { problem: `${problem.reason ?? problem.type}: ${problem.message ?? ""}`.trim() }),
  };
}
