import type { KubeApi } from "./api.ts";
import { scriptFor, type ImageScript } from "./behaviour.ts";
import type { EventRecorder } from "./events.ts";
import { LogBuffer } from "./logbuf.ts";
import { now, PodRun, type ContainerRun, type Timings } from "./pod-run.ts";
import { buildPodStatus, requestsOf } from "./pod-status.ts";
import { parseQuantity } from "./quantity.ts";
import { typeKey, type KubeObject, type StoreEvent } from "./types.ts";

// The simulated kubelet and scheduler: binds pending pods to the least-loaded matching node
// and runs each container as a scripted timeline (logs, readiness, exit), restarting per
// restartPolicy with CrashLoopBackOff, ImagePullBackOff for broken images, init containers
// first, graceful termination on delete. Pod status is written through the API like a real
// kubelet's, so watches and controllers see every transition.

export type { Timings } from "./pod-run.ts";
export { defaultTimings, ContainerRun, PodRun } from "./pod-run.ts";

/** Runs the simulated pods of one double. */

export class Kubelet {
  private readonly api: KubeApi;
  private readonly timings: Timings;
  readonly images: ImageScript[];
  private readonly pods = new Map<string, PodRun>();
  private readonly dirty = new Set<string>();
  private flushing = false;
  private readonly unsubscribe: () => void;
  private ipCounter = 2;
  private closed = false;

  private readonly record: EventRecorder;

  constructor(api: KubeApi, timings: Timings, images: ImageScript[], record: EventRecorder = () => undefined) {
    this.api = api;
    this.record = record;
    this.timings = timings;
    this.images = images;
    api.podGraceMs = timings.podTerminationMs;
    const podKey = typeKey(api.registry.builtin("Pod"));
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.key === podKey) this.onPod(e);
    });
  }

  /** The simulated runtime of a pod, by namespace and name. */
  pod(namespace: string, name: string): PodRun | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  /** Every simulated pod (for metrics). */
  allPods(): PodRun[] {
    return [...this.pods.values()];
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const p of this.pods.values()) this.stopPod(p);
    this.pods.clear();
  }

  private onPod(e: StoreEvent): void {
    const key = `${e.object.metadata.namespace ?? ""}/${e.object.metadata.name}`;
    let run = this.pods.get(key);
    if (e.type === "DELETED") {
      if (run && run.uid === e.object.metadata.uid) {
        this.stopPod(run);
        this.pods.delete(key);
      }
      return;
    }
    if (run && run.uid !== e.object.metadata.uid) {
      this.stopPod(run);
      run = undefined;
    }
    if (!run) {
      const phase = (e.object.status as { phase?: string } | undefined)?.phase;
      if (phase === "Succeeded" || phase === "Failed") return;
      run = new PodRun(e.object);
      this.pods.set(key, run);
      const r = run;
      this.later(r, () => this.schedule(r), this.timings.scheduleMs);
    }
    if (e.object.metadata.deletionTimestamp && !run.terminating) this.terminate(run);
  }

  private later(run: PodRun, fn: () => void, ms: number): void {
    if (this.closed) return;
    run.timers.push(setTimeout(fn, ms));
  }

  private podObject(run: PodRun): KubeObject | undefined {
    return this.api.find(this.api.registry.builtin("Pod"), run.namespace, run.name);
  }

  private schedule(run: PodRun): void {
    const pod = this.podObject(run);
    if (!pod || run.terminating) return;
    const spec = pod.spec as { nodeName?: string; nodeSelector?: Record<string, string> };
    const nodes = this.api.list(this.api.registry.builtin("Node"));
    let node = nodes.find((n) => n.metadata.name === spec.nodeName);
    let why = "";
    if (!node) {
      const selected = nodes.filter((n) => Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => n.metadata.labels?.[k] === v));
      const onNode = (n: KubeObject): PodRun[] => [...this.pods.values()].filter((p) => p.node === n.metadata.name && p.phase !== "Succeeded" && p.phase !== "Failed" && !p.terminating);
      const want = requestsOf(pod);
      const short = (n: KubeObject): string | undefined => {
        const alloc = (n.status as { allocatable?: Record<string, string> }).allocatable ?? {};
        const used = onNode(n).reduce((u, p) => ({ cpu: u.cpu + p.requests.cpu, memory: u.memory + p.requests.memory }), { cpu: 0, memory: 0 });
        if (onNode(n).length + 1 > parseQuantity(alloc.pods ?? "110")) return "Too many pods";
        if (used.cpu + want.cpu > parseQuantity(alloc.cpu)) return "Insufficient cpu";
        if (used.memory + want.memory > parseQuantity(alloc.memory)) return "Insufficient memory";
        return undefined;
      };
      const fits = selected.filter((n) => short(n) === undefined);
      node = fits.sort((a, b) => onNode(a).length - onNode(b).length)[0];
      if (!node) {
        const reasons = new Map<string, number>();
        const mismatch = nodes.length - selected.length;
        if (mismatch > 0) reasons.set("node(s) didn't match Pod's node affinity/selector", mismatch);
        for (const n of selected) {
          const r = short(n)!;
          reasons.set(r, (reasons.get(r) ?? 0) + 1);
        }
        why = [...reasons].map(([r, c]) => `${c} ${r}`).sort().join(", ");
      }
    }
    run.requests = requestsOf(pod);
    if (!node) {
      run.unschedulable = `0/${nodes.length} nodes are available: ${why}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
      this.record(pod, "Warning", "FailedScheduling", run.unschedulable, "default-scheduler");
      this.markDirty(run);
      this.later(run, () => this.schedule(run), 500);
      return;
    }
    run.unschedulable = "";
    run.node = node.metadata.name;
    run.scheduled = true;
    const idx = Math.max(0, nodes.indexOf(node));
    run.hostIP = `10.0.0.${idx + 10}`;
    run.podIP = `10.42.${idx}.${(this.ipCounter++ % 250) + 2}`;
    run.startTime = now();
    if (spec.nodeName !== node.metadata.name) {
      this.api.mutate(this.api.registry.builtin("Pod"), run.namespace, run.name, (o) => {
        (o.spec as { nodeName?: string }).nodeName = run.node;
      });
    }
    this.record(pod, "Normal", "Scheduled", `Successfully assigned ${run.namespace}/${run.name} to ${run.node}`, "default-scheduler");
    this.markDirty(run);
    this.later(run, () => this.startNext(run), this.timings.startMs);
  }

  private restartPolicy(run: PodRun): string {
    const pod = this.podObject(run);
    return (pod?.spec as { restartPolicy?: string } | undefined)?.restartPolicy ?? "Always";
  }

  /** Starts the next init container, or all app containers once inits are done. */
  private startNext(run: PodRun): void {
    if (run.terminating) return;
    const nextInit = run.inits.find((c) => !("terminated" in c.state && c.state.terminated.exitCode === 0));
    if (nextInit) {
      if (!nextInit.running) this.start(run, nextInit);
      return;
    }
    run.initDone = true;
    for (const c of run.containers) if (!c.running && !("terminated" in c.state)) this.start(run, c);
    this.markDirty(run);
  }

  private start(run: PodRun, c: ContainerRun): void {
    const pod = this.podObject(run);
    if (!pod || run.terminating) return;
    c.clearTimers();
    const script = scriptFor(pod, c.name, c.image, c.restartCount, this.images);
    c.script = script;
    if (script?.imagePullError) {
      c.state = { waiting: { reason: "ErrImagePull", message: `failed to pull and unpack image "${c.image}": not found` } };
      this.record(pod, "Warning", "Failed", `Failed to pull image "${c.image}": ${c.state.waiting.message}`, "kubelet");
      this.markDirty(run);
      c.timers.push(setTimeout(() => {
        c.state = { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${c.image}"` } };
        this.markDirty(run);
      }, this.timings.imagePullBackoffMs));
      return;
    }
    const startedAt = now();
    this.record(pod, "Normal", "Pulled", `Container image "${c.image}" already present on machine`, "kubelet");
    this.record(pod, "Normal", "Started", `Started container ${c.name}`, "kubelet");
    c.state = { running: { startedAt } };
    c.started = true;
    c.ready = false;
    if (run.phase === "Pending" && !c.init) run.phase = "Running";
    this.markDirty(run);
    let at = 0;
    for (const l of script?.logs ?? []) {
      const line = typeof l === "string" ? { line: l } : l;
      at += line.afterMs ?? 0;
      c.timers.push(setTimeout(() => c.logs.write(line.line, line.stream ?? "stdout"), at));
    }
    const readyAfter = script?.readyAfterMs ?? 0;
    if (readyAfter !== false && !c.init) {
      c.timers.push(setTimeout(() => {
        c.ready = true;
        this.markDirty(run);
      }, readyAfter));
    }
    const ownedByJob = (pod.metadata.ownerReferences ?? []).some((r) => r.kind === "Job");
    const exitAfter = script?.exitAfterMs ?? (ownedByJob || c.init ? this.timings.jobContainerMs : undefined);
    if (exitAfter !== undefined) {
      c.timers.push(setTimeout(() => this.exit(run, c, script?.exitCode ?? 0, startedAt), Math.max(exitAfter, at)));
    }
  }

  private exit(run: PodRun, c: ContainerRun, exitCode: number, startedAt: string): void {
    c.clearTimers();
    c.ready = false;
    c.state = {
      terminated: {
        exitCode,
        reason: exitCode === 0 ? "Completed" : "Error",
        startedAt,
        finishedAt: now(),
        containerID: `containerd://${run.uid.replace(/-/g, "")}${c.restartCount}`,
        ...(c.script?.terminationMessage ? { message: c.script.terminationMessage } : {}),
      },
    };
    c.logs.end();
    const policy = this.restartPolicy(run);
    const restart = policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
    if (restart && !run.terminating) {
      const delay = Math.min(this.timings.backoffBaseMs * 2 ** c.restartCount, this.timings.backoffMaxMs);
      c.lastState = c.state;
      c.previous = c.logs;
      c.logs = new LogBuffer();
      c.restartCount += 1;
      c.state = {
        waiting: { reason: "CrashLoopBackOff", message: `back-off ${Math.ceil(delay / 1000)}s restarting failed container=${c.name} pod=${run.name}_${run.namespace}(${run.uid})` },
      };
      const pod = this.podObject(run);
      if (pod) this.record(pod, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${run.name}_${run.namespace}(${run.uid})`, "kubelet");
      c.timers.push(setTimeout(() => this.start(run, c), delay));
    } else if (c.init) {
      if (exitCode === 0) this.startNext(run);
      else run.phase = "Failed";
    }
    this.updatePhase(run);
    this.markDirty(run);
  }

  private updatePhase(run: PodRun): void {
    if (run.phase === "Failed" || !run.initDone) return;
    const done = run.containers.every((c) => "terminated" in c.state);
    if (!done) {
      if (run.containers.some((c) => c.started)) run.phase = "Running";
      return;
    }
    const codes = run.containers.map((c) => ("terminated" in c.state ? c.state.terminated.exitCode : 0));
    run.phase = codes.every((x) => x === 0) ? "Succeeded" : "Failed";
  }

  private terminate(run: PodRun): void {
    run.terminating = true;
    for (const c of run.all()) {
      c.clearTimers();
      if (c.running && "running" in c.state) {
        c.state = { terminated: { exitCode: 0, reason: "Completed", startedAt: c.state.running.startedAt, finishedAt: now(), containerID: `containerd://${run.uid.replace(/-/g, "")}${c.restartCount}` } };
      }
      c.ready = false;
      c.logs.end();
    }
    this.markDirty(run);
    const t = setTimeout(() => this.api.finalize(this.api.registry.builtin("Pod"), run.namespace, run.name), this.timings.podTerminationMs);
    run.timers.push(t);
  }

  private stopPod(run: PodRun): void {
    for (const t of run.timers) clearTimeout(t);
    for (const c of run.all()) {
      c.clearTimers();
      c.logs.end();
    }
  }

  private markDirty(run: PodRun): void {
    this.dirty.add(`${run.namespace}/${run.name}`);
    if (this.flushing || this.closed) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      const run = this.pods.get(key);
      if (!run || this.closed) continue;
      try {
        this.api.mutate(this.api.registry.builtin("Pod"), run.namespace, run.name, (o) => {
          o.status = buildPodStatus(run, o);
        }, "status");
      } catch {
        this.markDirty(run);
      }
    }
  }
}

