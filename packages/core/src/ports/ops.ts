import type { Readable, Writable } from "node:stream";

/** Options of `apps:logs`. */
export interface AppLogOptions {
  /** Keep streaming, attaching to pods that appear (rollouts) until the signal aborts. */
  readonly follow: boolean;
  /** Last N lines per pod. @defaultValue 100 */
  readonly tail?: number;
  /** Only this process type. */
  readonly process?: string;
}

/** One log line of an app's pod. */
export interface AppLogLine {
  /** `web.1`: process type and stable index of the pod among that type's pods. */
  readonly source: string;
  readonly line: string;
}

/** One pod of an app, as `apps:ps` shows it. */
export interface AppProcess {
  /** `web.1` */
  readonly source: string;
  readonly pod: string;
  readonly process: string;
  /** Pending, Running, Succeeded, Failed, or a waiting reason (CrashLoopBackOff …). */
  readonly state: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly startedAt?: string;
  readonly node?: string;
  readonly release?: string;
  /** From metrics.k8s.io; undefined when metrics-server has nothing (yet). */
  readonly cpuMillicores?: number;
  readonly memoryBytes?: number;
}

/** The streams and terminal of an interactive command (SSH channel or API). */
export interface OpsIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** When the client has a TTY; resizes are forwarded to the container. */
  readonly tty?: {
    readonly cols: number;
    readonly rows: number;
    onResize(listener: (size: { cols: number; rows: number }) => void): void;
  };
}

/** Options of `apps:run`. */
export interface RunOptions {
  /** Image to run (the current release's, pinned by digest). */
  readonly image: string;
  readonly command: readonly string[];
  /** Who asked (a label on the pod, for `kubectl` readers). */
  readonly user: string;
  /** Give up waiting for the pod to start after this long. @defaultValue 120000 */
  readonly startTimeoutMs?: number;
}

/** What one process type's autoscaler sees and last did, for apps:ps and the status page. */
export interface AutoscalerState {
  readonly process: string;
  readonly min: number;
  readonly max: number;
  /** Replicas running now, and the count the autoscaler wants. */
  readonly current: number;
  readonly desired: number;
  /** Current use against each target, e.g. `cpu 45%/70%` (`cpu ?/70%` before the first metrics). */
  readonly targets: readonly string[];
  /** When it last changed the count, and why (its SuccessfulRescale event). */
  readonly lastScaleTime?: string;
  readonly lastScaleReason?: string;
  /** Why it cannot scale right now (a False AbleToScale/ScalingActive condition, or at its bound). */
  readonly problem?: string;
}

/** Which pod `enter` uses, and who hears which one it picked (the web terminal's audit). */
export interface EnterTarget {
  /** This pod of the app (any process type) instead of the default pick; must be running. */
  readonly pod?: string;
  /** Called with the pod's name just before the exec starts. */
  readonly onPod?: (pod: string) => void;
}

/**
 * Operating an app's running pods (packages/kube/src/ops). Every method refuses apps that
 * do not exist with AppNotFoundError; the command layer has already checked access.
 */
export interface ClusterOps {
  /** Streams log lines until done (or, with follow, until the signal aborts). */
  logs(app: string, options: AppLogOptions, onLine: (line: AppLogLine) => void, signal: AbortSignal): Promise<void>;
  ps(app: string): Promise<readonly AppProcess[]>;
  /** The app's autoscalers (HorizontalPodAutoscalers) with what they last did; absent = not supported. */
  autoscalers?(app: string): Promise<readonly AutoscalerState[]>;
  /** Rolling restart (pod-template annotation); returns the process types restarted. */
  restart(app: string, process?: string): Promise<readonly string[]>;
  /** One-off pod with the app's image and config; resolves with its exit code. */
  run(app: string, options: RunOptions, io: OpsIO, signal: AbortSignal): Promise<number>;
  /** Exec in a running pod of the process (default `web`, else the first); resolves with the exit code. */
  enter(app: string, process: string | undefined, command: readonly string[], io: OpsIO, signal: AbortSignal, target?: EnterTarget): Promise<number>;
}

/** A cluster node, as `nodes:list` shows it. */
export interface NodeInfo {
  readonly name: string;
  /** Ready, NotReady, Unknown; `,SchedulingDisabled` appended when cordoned. */
  readonly status: string;
  readonly roles: readonly string[];
  readonly version: string;
  readonly internalIp?: string;
  readonly cpuCapacityMillicores: number;
  readonly memoryCapacityBytes: number;
  readonly cpuUsageMillicores?: number;
  readonly memoryUsageBytes?: number;
  readonly createdAt?: string;
}

/** The cluster's nodes and how to add one. */
export interface NodeOps {
  list(): Promise<readonly NodeInfo[]>;
  /** The one line that makes another VPS a k3s agent of this cluster. */
  joinCommand(): Promise<string>;
}
