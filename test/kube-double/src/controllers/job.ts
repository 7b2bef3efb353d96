import type { KubeApi } from "../api.ts";
import type { EventRecorder } from "../events.ts";
import type { Timings } from "../kubelet.ts";
import { typeKey, type KubeObject } from "../types.ts";
import { keyOf, splitKey, WorkQueue } from "./queue.ts";
import { controlledBy, controllerOf, isActive, isoNow, isReady, phaseOf, podFromTemplate, type PodStatusView, type PodTemplate } from "./util.ts";

// Job controller (pkg/controller/job): runs pods until `completions` succeed, counts
// failures against backoffLimit (container restarts too under OnFailure), fails the Job
// after activeDeadlineSeconds, writes FailureTarget/Failed or SuccessCriteriaMet/Complete
// conditions as v1.32 does, and deletes finished Jobs after ttlSecondsAfterFinished.

interface JobSpec {
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  template: PodTemplate & { spec?: { restartPolicy?: string } };
}
interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastProbeTime?: string; lastTransitionTime?: string }[];
}

const finished = (s: JobStatus): string | undefined =>
  s.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.type;

export class JobController {
  private readonly api: KubeApi;
  private readonly timings: Timings;
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  private readonly record: EventRecorder;

  constructor(api: KubeApi, timings: Timings, record: EventRecorder = () => undefined) {
    this.api = api;
    this.record = record;
    this.timings = timings;
    this.queue = new WorkQueue((k) => this.sync(k));
    const jobKey = typeKey(api.registry.builtin("Job"));
    const podKey = typeKey(api.registry.builtin("Pod"));
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.key === jobKey) this.queue.add(keyOf(e.object.metadata.namespace, e.object.metadata.name));
      else if (e.key === podKey) {
        const ref = controllerOf(e.object);
        if (ref?.kind === "Job") this.queue.add(keyOf(e.object.metadata.namespace, ref.name));
      }
    });
  }

  close(): void {
    this.unsubscribe();
    this.queue.close();
  }

  private seconds(s: number): number {
    return s * 1000 * this.timings.secondsScale;
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const jobType = this.api.registry.builtin("Job");
    const podType = this.api.registry.builtin("Pod");
    const job = this.api.find(jobType, ns, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const spec = job.spec as JobSpec;
    const status = { ...((job.status ?? {}) as JobStatus) };
    const done = finished(status);
    if (done) {
      this.scheduleTtl(job, spec, status);
      return;
    }
    if (spec.suspend) return;
    const pods = this.api.list(podType, ns).filter((p) => controlledBy(p, job.metadata.uid));
    const active = pods.filter(isActive);
    const succeeded = pods.filter((p) => phaseOf(p) === "Succeeded").length;
    const restarts = spec.template.spec?.restartPolicy === "OnFailure"
      ? pods.reduce((n, p) => n + ((p.status as PodStatusView | undefined)?.containerStatuses ?? []).reduce((m, c) => m + (c.restartCount ?? 0), 0), 0)
      : 0;
    const failed = pods.filter((p) => phaseOf(p) === "Failed").length;
    const completions = spec.completions ?? 1;
    const t = isoNow();
    status.startTime ??= t;
    let failure: { reason: string; message: string } | undefined;
    if (failed + restarts > (spec.backoffLimit ?? 6)) failure = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
    const deadline = spec.activeDeadlineSeconds;
    if (deadline !== undefined) {
      const left = Date.parse(status.startTime) + this.seconds(deadline) - Date.now();
      if (left <= 0) failure ??= { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
      else this.queue.after(key, left + 5);
    }
    const cond = (type: string, reason?: string, message?: string): NonNullable<JobStatus["conditions"]>[number] => ({
      type, status: "True", lastProbeTime: t, lastTransitionTime: t, ...(reason ? { reason } : {}), ...(message ? { message } : {}),
    });
    if (failure) {
      for (const p of active) this.tryDelete(podType, ns, p.metadata.name);
      status.conditions = [cond("FailureTarget", failure.reason, failure.message), cond("Failed", failure.reason, failure.message)];
      this.record(job, "Warning", failure.reason, failure.message, "job-controller");
      status.active = 0;
    } else if (succeeded >= completions) {
      status.conditions = [cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"), cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods")];
      status.completionTime = t;
      this.record(job, "Normal", "Completed", "Job completed", "job-controller");
      status.active = 0;
    } else {
      const want = Math.min(spec.parallelism ?? 1, completions - succeeded);
      for (let i = active.length; i < want; i += 1) {
        const labels = { "batch.kubernetes.io/controller-uid": job.metadata.uid, "batch.kubernetes.io/job-name": name, "controller-uid": job.metadata.uid, "job-name": name };
        const pod = this.api.create(podType, podFromTemplate(spec.template, job, `${name}-`, labels), ns, { fieldManager: "kube-controller-manager" });
        this.record(job, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`, "job-controller");
      }
      status.active = Math.max(active.length, want);
    }
    status.succeeded = succeeded;
    status.failed = failed;
    status.ready = active.filter(isReady).length;
    (status as Record<string, unknown>).terminating = 0;
    (status as Record<string, unknown>).uncountedTerminatedPods = {};
    for (const k of ["succeeded", "failed", "active"] as const) if (status[k] === 0) delete status[k];
    if (JSON.stringify(job.status ?? {}) !== JSON.stringify(status)) {
      this.api.update(jobType, { ...job, status }, ns, { subresource: "status", fieldManager: "kube-controller-manager" });
    }
  }

  private tryDelete(podType: ReturnType<KubeApi["registry"]["builtin"]>, ns: string, name: string): void {
    try {
      this.api.delete(podType, ns, name, {});
    } catch {
      // already gone
    }
  }

  private scheduleTtl(job: KubeObject, spec: JobSpec, status: JobStatus): void {
    if (spec.ttlSecondsAfterFinished === undefined) return;
    const end = status.completionTime ?? status.conditions?.find((c) => c.type === "Failed")?.lastTransitionTime ?? isoNow();
    const left = Date.parse(end) + this.seconds(spec.ttlSecondsAfterFinished) - Date.now();
    if (left > 0) {
      this.queue.after(keyOf(job.metadata.namespace, job.metadata.name), left + 5);
      return;
    }
    try {
      this.api.delete(this.api.registry.builtin("Job"), job.metadata.namespace, job.metadata.name, { propagationPolicy: "Background" });
    } catch {
      // already gone
    }
  }
}
