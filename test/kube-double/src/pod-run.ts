import type { ContainerScript } from "./behaviour.ts";
import { LogBuffer } from "./logbuf.ts";
import type { KubeObject } from "./types.ts";

// The simulated runtime state of pods and containers, and the simulation's time scales.

/** Time scales of the simulation (all in ms unless said otherwise). */
export interface Timings {
  /** Pending → scheduled. @defaultValue 5 */
  scheduleMs: number;
  /** Scheduled → containers started (ContainerCreating). @defaultValue 20 */
  startMs: number;
  /** First CrashLoopBackOff delay, doubled per restart. @defaultValue 100 */
  backoffBaseMs: number;
  /** Cap of the CrashLoopBackOff delay. @defaultValue 1000 */
  backoffMaxMs: number;
  /** ErrImagePull → ImagePullBackOff. @defaultValue 50 */
  imagePullBackoffMs: number;
  /** Graceful pod termination (deletionTimestamp → gone); 0 removes pods at once. @defaultValue 20 */
  podTerminationMs: number;
  /** Run time of unscripted init containers and containers of Job pods. @defaultValue 100 */
  jobContainerMs: number;
  /** Factor applied to *Seconds fields of specs (progressDeadlineSeconds, activeDeadlineSeconds, ttlSecondsAfterFinished). @defaultValue 1 */
  secondsScale: number;
}

export const defaultTimings: Timings = {
  scheduleMs: 5,
  startMs: 20,
  backoffBaseMs: 100,
  backoffMaxMs: 1000,
  imagePullBackoffMs: 50,
  podTerminationMs: 20,
  jobContainerMs: 100,
  secondsScale: 1,
};

export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export type State =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; startedAt: string; finishedAt: string; message?: string; containerID: string } };

export interface ContainerSpec {
  name: string;
  image: string;
  env?: unknown[];
}

/** One container of a simulated pod (its runs, logs and state). */
export class ContainerRun {
  readonly name: string;
  readonly image: string;
  readonly init: boolean;
  restartCount = 0;
  state: State = { waiting: { reason: "ContainerCreating" } };
  lastState: State | undefined;
  ready = false;
  started = false;
  logs = new LogBuffer();
  previous: LogBuffer | undefined;
  script: ContainerScript | undefined;
  timers: NodeJS.Timeout[] = [];

  constructor(spec: ContainerSpec, init: boolean) {
    this.name = spec.name;
    this.image = spec.image;
    this.init = init;
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  get running(): boolean {
    return "running" in this.state;
  }
}

/** A simulated pod on a node. */
export class PodRun {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  node = "";
  podIP = "";
  hostIP = "";
  startTime = "";
  scheduled = false;
  unschedulable = "";
  initDone = false;
  phase: "Pending" | "Running" | "Succeeded" | "Failed" = "Pending";
  /** Summed container requests (cores, bytes), counted against node allocatable. */
  requests = { cpu: 0, memory: 0 };
  terminating = false;
  readonly inits: ContainerRun[];
  readonly containers: ContainerRun[];
  timers: NodeJS.Timeout[] = [];

  constructor(pod: KubeObject) {
    this.namespace = pod.metadata.namespace ?? "";
    this.name = pod.metadata.name;
    this.uid = pod.metadata.uid;
    const spec = pod.spec as { containers: ContainerSpec[]; initContainers?: ContainerSpec[] };
    this.inits = (spec.initContainers ?? []).map((c) => new ContainerRun(c, true));
    this.containers = spec.containers.map((c) => new ContainerRun(c, false));
  }

  all(): ContainerRun[] {
    return [...this.inits, ...this.containers];
  }
}

