import type { AppCondition, AppConditionType } from "@qs/core";
import type { AppObjectStatus } from "../resources/app-object.ts";
import { type PodProblem, type ProcessRollout, progressLine } from "./rollout-state.ts";

/** What the reconciler saw for one app, as input to computeStatus. */
export interface Observation {
  readonly generation: number;
  /** spec.release; undefined before the first deploy. */
  readonly release: number | undefined;
  /** Set when spec.release names a release that cannot be read. */
  readonly releaseError?: string;
  readonly processes: readonly ProcessRollout[];
  readonly problem?: PodProblem;
  readonly previous: AppObjectStatus | undefined;
  readonly now: string;
}

type Want = { status: AppCondition["status"]; reason: string; message: string };

/** The App status for an observation; keeps lastTransitionTime when a condition did not flip. */
export function computeStatus(o: Observation): AppObjectStatus {
  const ready = o.processes.reduce((n, p) => n + p.ready, 0);
  const desired = o.processes.reduce((n, p) => n + p.desired, 0);
  const summary = o.processes.map(progressLine).join(", ");
  const stalled = o.processes.find((p) => p.stalled !== undefined);
  const complete = o.release !== undefined && o.processes.every((p) => p.complete) && o.releaseError === undefined;

  let phase: string;
  let want: Record<AppConditionType, Want>;
  const no = (reason: string, message: string): Want => ({ status: "False", reason, message });
  if (o.release === undefined) {
    phase = "Idle";
    want = {
      Ready: no("NoRelease", "no release yet: git push to deploy"),
      Progressing: no("NoRelease", "nothing to roll out"),
      Degraded: no("NoRelease", "nothing is running"),
    };
  } else if (o.releaseError !== undefined) {
    phase = "Degraded";
    want = {
      Ready: no("ReleaseMissing", o.releaseError),
      Progressing: no("ReleaseMissing", o.releaseError),
      Degraded: { status: "True", reason: "ReleaseMissing", message: o.releaseError },
    };
  } else if (complete) {
    phase = "Ready";
    want = {
      Ready: { status: "True", reason: "RolloutComplete", message: `v${o.release} is running: ${summary || "no processes"}` },
      Progressing: no("RolloutComplete", `v${o.release} rolled out`),
      Degraded: no("RolloutComplete", "all processes are healthy"),
    };
  } else if (o.problem !== undefined || stalled !== undefined) {
    phase = "Degraded";
    const why =
      o.problem !== undefined
        ? `pod ${o.problem.pod} (${o.problem.container}) is in ${o.problem.reason}${o.problem.exitCode === undefined ? "" : `, exit code ${o.problem.exitCode}`}`
        : `${stalled?.process ?? "?"}: ${stalled?.stalled ?? ""}`;
    want = {
      Ready: no("RolloutFailing", `v${o.release} is not ready: ${summary}`),
      Progressing: { status: "True", reason: "RolloutFailing", message: `rolling out v${o.release}: ${summary}` },
      Degraded: { status: "True", reason: o.problem?.reason ?? "ProgressDeadlineExceeded", message: why },
    };
  } else {
    phase = "Progressing";
    want = {
      Ready: no("RollingOut", `rolling out v${o.release}: ${summary}`),
      Progressing: { status: "True", reason: "RollingOut", message: `rolling out v${o.release}: ${summary}` },
      Degraded: no("RollingOut", "no failures seen"),
    };
  }

  const conditions = (["Ready", "Progressing", "Degraded"] as const).map((type): AppCondition => {
    const before = o.previous?.conditions.find((c) => c.type === type);
    const w = want[type];
    const lastTransitionTime = before !== undefined && before.status === w.status ? before.lastTransitionTime : o.now;
    return { type, ...w, lastTransitionTime };
  });
  const processes: Record<string, { ready: number; desired: number }> = {};
  for (const p of o.processes) processes[p.process] = { ready: p.ready, desired: p.desired };
  const currentRelease = complete ? o.release : o.previous?.currentRelease;
  return {
    observedGeneration: o.generation,
    conditions,
    ...(currentRelease === undefined ? {} : { currentRelease }),
    processes,
    ready: `${ready}/${desired}`,
    phase,
  };
}
