import type { Deployment, Pod } from "../rest/wire.ts";
import { describe, expect, it } from "vitest";
import { findPodProblem, processRollout } from "./rollout-state.ts";
import { computeStatus } from "./status.ts";

function deployment(release: number, s: Deployment["status"], replicas = 2, generation = 2): Deployment {
  return {
    metadata: { name: "shop-web", generation, labels: { "quickstack.dev/process": "web" } },
    spec: {
      replicas,
      selector: {},
      template: { metadata: { annotations: { "quickstack.dev/release": String(release) } } },
    },
    status: { observedGeneration: generation, ...s },
  };
}

describe("processRollout", () => {
  it("is complete only when all pods are updated, ready and no old pod is left", () => {
    expect(processRollout(deployment(3, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), 3).complete).toBe(true);
    const mid = processRollout(deployment(3, { replicas: 3, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }), 3);
    expect(mid.complete).toBe(false);
    expect(processRollout(deployment(3, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), 4).complete).toBe(false);
  });

  it("is not complete before the controller observed the new generation", () => {
    const d = deployment(3, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    d.status!.observedGeneration = 1;
    expect(processRollout(d, 3).complete).toBe(false);
  });

  it("reports a progress deadline", () => {
    const d = deployment(3, {
      replicas: 3,
      updatedReplicas: 1,
      readyReplicas: 2,
      conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "too slow" }],
    });
    expect(processRollout(d, 3).stalled).toBe("too slow");
  });
});

describe("findPodProblem", () => {
  it("waits out the kubelet's cache catching up (CreateContainerConfigError: failed to sync secret cache), not a missing Secret", () => {
    const waiting = (message: string): Pod[] => [
      { metadata: { name: "p" }, status: { containerStatuses: [{ name: "web", image: "i", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "CreateContainerConfigError", message } } }] } },
    ];
    expect(findPodProblem(waiting("failed to sync secret cache: timed out waiting for the condition"))).toBeUndefined();
    expect(findPodProblem(waiting('secret "shop-v2-env" not found'))?.reason).toBe("CreateContainerConfigError");
  });

  it("finds a crash loop with its exit code and ignores healthy pods", () => {
    const pods: Pod[] = [
      { metadata: { name: "ok" }, status: { containerStatuses: [{ name: "web", image: "i", imageID: "", ready: true, restartCount: 0, state: { running: {} } }] } },
      {
        metadata: { name: "bad" },
        status: {
          containerStatuses: [
            { name: "web", image: "i", imageID: "", ready: false, restartCount: 4, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 3 } } },
          ],
        },
      },
    ];
    expect(findPodProblem(pods)).toEqual({ pod: "bad", container: "web", reason: "CrashLoopBackOff", message: "", restarts: 4, exitCode: 3 });
    expect(findPodProblem(pods.slice(0, 1))).toBeUndefined();
  });
});

describe("computeStatus", () => {
  const now = "2026-01-01T00:00:00Z";
  it("says Ready with the current release when the rollout is complete", () => {
    const p = processRollout(deployment(3, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), 3);
    const s = computeStatus({ generation: 5, release: 3, processes: [p], previous: undefined, now });
    expect(s).toMatchObject({ observedGeneration: 5, currentRelease: 3, ready: "2/2", phase: "Ready", processes: { web: { ready: 2, desired: 2 } } });
    expect(s.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("keeps the previous current release while progressing, and lastTransitionTime while stable", () => {
    const p = processRollout(deployment(4, { replicas: 3, updatedReplicas: 1, readyReplicas: 2 }), 4);
    const prev = computeStatus({ generation: 1, release: 3, processes: [{ process: "web", desired: 2, ready: 2, complete: true }], previous: undefined, now: "t0" });
    const s = computeStatus({ generation: 6, release: 4, processes: [p], previous: prev, now });
    expect(s.currentRelease).toBe(3);
    expect(s.phase).toBe("Progressing");
    expect(s.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "False", lastTransitionTime: now });
    expect(s.conditions.find((c) => c.type === "Degraded")).toMatchObject({ status: "False", lastTransitionTime: "t0" });
  });

  it("is Degraded with a human message on a crash loop, Idle without a release", () => {
    const problem = { pod: "shop-web-x", container: "web", reason: "CrashLoopBackOff", message: "", restarts: 3, exitCode: 1 };
    const s = computeStatus({ generation: 1, release: 2, processes: [{ process: "web", desired: 1, ready: 0, complete: false }], problem, previous: undefined, now });
    expect(s.phase).toBe("Degraded");
    expect(s.conditions.find((c) => c.type === "Degraded")?.message).toBe("pod shop-web-x (web) is in CrashLoopBackOff, exit code 1");
    expect(computeStatus({ generation: 1, release: undefined, processes: [], previous: undefined, now }).phase).toBe("Idle");
  });
});
