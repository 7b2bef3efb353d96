import { PassThrough } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCRIPT_ANNOTATION, type ContainerScript } from "./src/index.ts";
import { connect, eventually, type Target } from "./harness.ts";

// Workloads through the simulated kubelet and controllers. Container behaviour is given
// twice: as a real command (for a real cluster) and as the double's script annotation.

let target: Target;
beforeAll(async () => {
  target = await connect();
});
afterAll(async () => {
  await target.close();
});

const annotate = (script: ContainerScript | Record<string, ContainerScript>): Record<string, string> => ({ [SCRIPT_ANNOTATION]: JSON.stringify(script) });

function deployment(name: string, opts: { replicas?: number; env?: string; image?: string; strategy?: k8s.V1DeploymentStrategy; progressDeadlineSeconds?: number; script?: ContainerScript } = {}): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: opts.replicas ?? 2,
      progressDeadlineSeconds: opts.progressDeadlineSeconds,
      strategy: opts.strategy,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: opts.script ? annotate(opts.script) : undefined },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: "main", image: opts.image ?? "busybox:1.35", command: ["sh", "-c", "echo up; sleep 3600"], env: [{ name: "V", value: opts.env ?? "1" }] }],
        },
      },
    },
  };
}

const condition = (d: k8s.V1Deployment, type: string): k8s.V1DeploymentCondition | undefined => d.status?.conditions?.find((c) => c.type === type);

describe("deployments", () => {
  it("become Available (client-node and kubectl wait) and roll to a new template", async () => {
    const ns = await target.namespace();
    await target.apps.createNamespacedDeployment({ namespace: ns, body: deployment("web") });
    await target.kubectl(["wait", "-n", ns, "--for=condition=Available", "deployment/web", "--timeout=60s"]);
    const d = await eventually(async () => {
      const x = await target.apps.readNamespacedDeployment({ namespace: ns, name: "web" });
      return x.status?.readyReplicas === 2 && condition(x, "Progressing")?.reason === "NewReplicaSetAvailable" ? x : undefined;
    }, 60_000);
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    await target.apps.patchNamespacedDeployment(
      { namespace: ns, name: "web", body: { spec: { template: { spec: { containers: [{ name: "main", env: [{ name: "V", value: "2" }] }] } } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
    );
    await eventually(async () => {
      const x = await target.apps.readNamespacedDeployment({ namespace: ns, name: "web" });
      const rolled = x.status?.observedGeneration === 2 && x.status.updatedReplicas === 2 && x.status.replicas === 2 && x.status.availableReplicas === 2;
      return rolled && condition(x, "Progressing")?.reason === "NewReplicaSetAvailable" ? x : undefined;
    }, 90_000);
    const rss = (await target.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: "app=web" })).items;
    expect(rss).toHaveLength(2);
    expect(rss.map((rs) => rs.spec?.replicas).sort()).toEqual([0, 2]);
    const newest = rss.find((rs) => rs.spec?.replicas === 2)!;
    expect(newest.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    const pods = await eventually(async () => {
      const items = (await target.core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" })).items.filter((p) => !p.metadata?.deletionTimestamp);
      return items.length === 2 && items.every((p) => p.metadata?.labels?.["pod-template-hash"] === newest.metadata?.labels?.["pod-template-hash"]) ? items : undefined;
    }, 60_000);
    expect(pods.every((p) => p.spec?.containers[0]?.env?.[0]?.value === "2")).toBe(true);
  });

  it("reports ProgressDeadlineExceeded when pods never become available", async () => {
    const ns = await target.namespace();
    await target.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment("stuck", { replicas: 1, image: "registry.invalid/none/such:1", progressDeadlineSeconds: 2, script: { imagePullError: true } }),
    });
    const d = await eventually(async () => {
      const x = await target.apps.readNamespacedDeployment({ namespace: ns, name: "stuck" });
      return condition(x, "Progressing")?.reason === "ProgressDeadlineExceeded" ? x : undefined;
    }, 90_000);
    expect(condition(d, "Progressing")?.status).toBe("False");
    expect(condition(d, "Available")?.status).toBe("False");
    // The deadline can pass before a busy kubelet has tried the pull: wait for the pull to fail.
    const reason = await eventually(async () => {
      const pod = (await target.core.listNamespacedPod({ namespace: ns, labelSelector: "app=stuck" })).items[0];
      const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      return waiting === "ContainerCreating" || waiting === undefined ? undefined : waiting;
    }, 60_000);
    expect(["ErrImagePull", "ImagePullBackOff"]).toContain(reason);
  });

  it("foreground deletion keeps the Deployment until its ReplicaSets and pods are gone", async () => {
    const ns = await target.namespace();
    await target.apps.createNamespacedDeployment({ namespace: ns, body: deployment("fg", { replicas: 1 }) });
    await target.kubectl(["wait", "-n", ns, "--for=condition=Available", "deployment/fg", "--timeout=60s"]);
    await target.apps.deleteNamespacedDeployment({ namespace: ns, name: "fg", propagationPolicy: "Foreground" });
    const marked = await target.apps.readNamespacedDeployment({ namespace: ns, name: "fg" }).catch(() => undefined);
    if (marked) expect(marked.metadata?.finalizers).toContain("foregroundDeletion");
    await eventually(async () => {
      const gone = await target.apps.readNamespacedDeployment({ namespace: ns, name: "fg" }).then(() => false, () => true);
      return gone ? true : undefined;
    }, 60_000);
    expect((await target.apps.listNamespacedReplicaSet({ namespace: ns })).items).toEqual([]);
    await eventually(async () => ((await target.core.listNamespacedPod({ namespace: ns })).items.length === 0 ? true : undefined), 60_000);
  });

  it("Recreate replaces all pods at once", async () => {
    const ns = await target.namespace();
    await target.apps.createNamespacedDeployment({ namespace: ns, body: deployment("rec", { strategy: { type: "Recreate" } }) });
    await target.kubectl(["wait", "-n", ns, "--for=condition=Available", "deployment/rec", "--timeout=60s"]);
    await target.kubectl(["set", "env", "-n", ns, "deployment/rec", "V=9"]);
    await target.kubectl(["rollout", "status", "-n", ns, "deployment/rec", "--timeout=60s"]);
    const pods = (await target.core.listNamespacedPod({ namespace: ns, labelSelector: "app=rec" })).items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(pods.map((p) => p.spec?.containers[0]?.env?.[0]?.value)).toEqual(["9", "9"]);
  });
});

describe("statefulsets and daemonsets", () => {
  it("create ordinal pods with their claims, and roll out (kubectl rollout status)", async () => {
    const ns = await target.namespace();
    const labels = { app: "db" };
    const container = { name: "db", image: "busybox:1.35", command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] };
    await target.apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: "db" },
        spec: {
          replicas: 2,
          serviceName: "db",
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [container] } },
          volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } } }],
        },
      },
    });
    await target.kubectl(["rollout", "status", "-n", ns, "statefulset/db", "--timeout=90s"]);
    const pods = (await target.core.listNamespacedPod({ namespace: ns, labelSelector: "app=db" })).items.map((p) => p.metadata?.name).sort();
    expect(pods).toEqual(["db-0", "db-1"]);
    const claims = (await target.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.map((c) => c.metadata?.name).sort();
    expect(claims).toEqual(["data-db-0", "data-db-1"]);
    await target.apps.createNamespacedDaemonSet({
      namespace: ns,
      body: { metadata: { name: "agent" }, spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "a", image: "busybox:1.35", command: ["sleep", "3600"] }] } } } },
    });
    await target.kubectl(["rollout", "status", "-n", ns, "daemonset/agent", "--timeout=90s"]);
    const ds = await target.apps.readNamespacedDaemonSet({ namespace: ns, name: "agent" });
    expect(ds.status?.numberReady).toBe(ds.status?.desiredNumberScheduled);
    expect(ds.status?.desiredNumberScheduled).toBeGreaterThan(0);
  });
});

function job(name: string, command: string, script: ContainerScript, spec: Partial<k8s.V1JobSpec> = {}): k8s.V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 1,
      ...spec,
      template: {
        metadata: { annotations: annotate(script) },
        spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox:1.35", command: ["sh", "-c", command] }] },
      },
    },
  };
}

describe("jobs", () => {
  it("complete, with the pod's logs readable", async () => {
    const ns = await target.namespace();
    await target.batch.createNamespacedJob({ namespace: ns, body: job("ok", "echo one; echo two", { logs: ["one", "two"], exitAfterMs: 50 }) });
    await target.kubectl(["wait", "-n", ns, "--for=condition=Complete", "job/ok", "--timeout=60s"]);
    const j = await target.batch.readNamespacedJob({ namespace: ns, name: "ok" });
    expect(j.status?.succeeded).toBe(1);
    expect(j.status?.completionTime).toBeDefined();
    const out = await target.kubectl(["logs", "-n", ns, "job/ok"]);
    expect(out).toBe("one\ntwo\n");
  });

  it("fail after backoffLimit with BackoffLimitExceeded", async () => {
    const ns = await target.namespace();
    await target.batch.createNamespacedJob({ namespace: ns, body: job("bad", "exit 3", { exitAfterMs: 20, exitCode: 3 }) });
    const j = await eventually(async () => {
      const x = await target.batch.readNamespacedJob({ namespace: ns, name: "bad" });
      return x.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True") ? x : undefined;
    }, 120_000);
    expect(j.status?.conditions?.find((c) => c.type === "Failed")?.reason).toBe("BackoffLimitExceeded");
    expect(j.status?.failed).toBe(2);
  });

  it("are deleted ttlSecondsAfterFinished after finishing", async () => {
    const ns = await target.namespace();
    await target.batch.createNamespacedJob({ namespace: ns, body: job("ttl", "true", { exitAfterMs: 10 }, { ttlSecondsAfterFinished: 0 }) });
    await eventually(async () => {
      const jobs = await target.batch.listNamespacedJob({ namespace: ns });
      return jobs.items.length === 0 ? true : undefined;
    }, 60_000);
    await eventually(async () => ((await target.core.listNamespacedPod({ namespace: ns })).items.length === 0 ? true : undefined), 60_000);
  });

  it("fail after activeDeadlineSeconds with DeadlineExceeded", async () => {
    const ns = await target.namespace();
    await target.batch.createNamespacedJob({ namespace: ns, body: job("slow", "sleep 3600", { exitAfterMs: 3_600_000 }, { activeDeadlineSeconds: 1 }) });
    const j = await eventually(async () => {
      const x = await target.batch.readNamespacedJob({ namespace: ns, name: "slow" });
      return x.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True") ? x : undefined;
    }, 60_000);
    expect(j.status?.conditions?.find((c) => c.type === "Failed")?.reason).toBe("DeadlineExceeded");
  });
});

describe("pods and logs", () => {
  // A real kubelet keeps one dead instance per container: once the restarted instance
  // dies too, the first one's log is gone. So each instance lives a few seconds here and
  // --previous is read while the second one runs.
  it("a crashing container restarts into CrashLoopBackOff and keeps its previous logs", async () => {
    const ns = await target.namespace();
    await target.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "crash", annotations: annotate({ logs: ["boom"], exitAfterMs: 20, exitCode: 1, terminationMessage: "it broke" }) },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox:1.35", command: ["sh", "-c", "echo boom; echo -n 'it broke' > /dev/termination-log; sleep 4; exit 1"] }] },
      },
    });
    const pod = await eventually(async () => {
      const p = await target.core.readNamespacedPod({ namespace: ns, name: "crash" });
      const cs = p.status?.containerStatuses?.[0];
      return cs && (cs.restartCount ?? 0) >= 1 && cs.lastState?.terminated ? p : undefined;
    }, 60_000);
    const cs = pod.status!.containerStatuses![0]!;
    expect(cs.lastState?.terminated?.exitCode).toBe(1);
    expect(cs.lastState?.terminated?.message).toBe("it broke");
    const previous = await target.kubectl(["logs", "-n", ns, "crash", "--previous"]);
    expect(previous).toBe("boom\n");
    await eventually(async () => {
      const p = await target.core.readNamespacedPod({ namespace: ns, name: "crash" });
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff" ? true : undefined;
    }, 120_000);
    // While it waits to restart, the current log is the instance that last ran.
    expect(await target.kubectl(["logs", "-n", ns, "crash"])).toBe("boom\n");
  });

  it("logs support follow, tailLines and timestamps (client-node Log and kubectl logs -f)", async () => {
    const ns = await target.namespace();
    const lines = ["l1", "l2", "l3"];
    await target.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "talk", annotations: annotate({ logs: [...lines, { line: "late", afterMs: 1500 }], exitAfterMs: 2000 }) },
        spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox:1.35", command: ["sh", "-c", "echo l1; echo l2; echo l3; sleep 1.5; echo late; sleep 0.5"] }] },
      },
    });
    await eventually(async () => {
      const out = await target.core.readNamespacedPodLog({ namespace: ns, name: "talk" });
      return out.includes("l3") ? true : undefined;
    }, 60_000);
    const tail = await target.core.readNamespacedPodLog({ namespace: ns, name: "talk", tailLines: 1, timestamps: true });
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z l3\n$/);
    const followed = new PassThrough();
    let text = "";
    followed.on("data", (c: Buffer) => (text += c.toString()));
    const log = new k8s.Log(target.kc);
    const done = new Promise<void>((resolve) => followed.on("end", resolve));
    await log.log(ns, "talk", "main", followed, { follow: true });
    await done;
    expect(text).toBe("l1\nl2\nl3\nlate\n");
    const again = await target.kubectl(["logs", "-f", "-n", ns, "talk"]);
    expect(again).toBe("l1\nl2\nl3\nlate\n");
  });
});
