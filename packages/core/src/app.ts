/**
 * The app model shared by every package. The App custom resource (packages/kube) stores
 * exactly this spec; the command layer edits it; the reconciler renders it.
 */

import type { AddonAttachment } from "./addon.ts";

/** Kubernetes quantity strings, e.g. "500m", "512Mi". Validated by parseQuantity. */
export type Quantity = string;

/** Per-process settings chosen by the user (scale, resources). */
export interface ProcessSettings {
  /** Desired replica count, 0…maxScale. */
  readonly replicas: number;
  readonly cpu?: Quantity;
  readonly memory?: Quantity;
  /** When set, a HorizontalPodAutoscaler owns the replica count (apps:autoscale). */
  readonly autoscale?: AutoscaleSettings;
}

/** Autoscaling bounds and targets of one process type (autoscaling/v2 HPA). */
export interface AutoscaleSettings {
  readonly min: number;
  readonly max: number;
  /** Target average CPU use, percent of the CPU request. */
  readonly cpuPercent?: number;
  /** Target average memory use, percent of the memory request. */
  readonly memoryPercent?: number;
}

/** A persistent volume mounted into the app's containers. */
export interface VolumeSpec {
  /** DNS-1123 label, unique within the app. */
  readonly name: string;
  /** Absolute path inside the container. */
  readonly mountPath: string;
  readonly size: Quantity;
  readonly storageClass?: string;
  /** Process types that mount it; empty = all. */
  readonly processes?: readonly string[];
}

/** How the image is built. */
export interface BuilderSettings {
  /** `auto` detects the stack when there is no Dockerfile; `dockerfile` requires one. */
  readonly mode: "auto" | "dockerfile";
  /** Build engine; undefined = the control plane's default (QS_BUILDER). */
  readonly engine?: "kaniko" | "buildkit";
  /** Path of the Dockerfile inside the repo. @defaultValue "Dockerfile" */
  readonly dockerfile?: string;
}

/** The desired state of an app (the App resource's spec). */
export interface AppSpec {
  /** Branch whose pushes deploy. @defaultValue "main" */
  readonly deployBranch: string;
  /** Process type → settings. `web` gets a Service, Ingress and PORT. */
  readonly processes: Readonly<Record<string, ProcessSettings>>;
  /** Custom domains (the default `<app>.<base domain>` is implicit). */
  readonly domains: readonly string[];
  readonly volumes: readonly VolumeSpec[];
  /** Readiness check for web: HTTP GET on this path; undefined = TCP on PORT. */
  readonly healthCheckPath?: string;
  /**
   * Port the web process listens on (and gets as PORT). Set by app templates whose images
   * listen on a fixed port. @defaultValue the control plane's web port (5000)
   */
  readonly webPort?: number;
  readonly builder: BuilderSettings;
  /** The release that should be running (number), undefined before the first deploy. */
  readonly release?: number;
  /** Review apps of this app: pushes of other branches get a preview (apps:previews-enable). */
  readonly previews?: PreviewSettings;
  /** Set on a review app: which app and branch it previews (packages/core/src/preview.ts). */
  readonly preview?: PreviewOrigin;
  /** A Git URL QuickStack fetches and deploys from (apps:source-set, apps:deploy). */
  readonly source?: SourceSettings;
  /** Add-ons this app uses (its own or shared from another app), each setting `<as>_URL`. */
  readonly addons?: readonly AddonAttachment[];
  /** Set by apps:create --template: the template the app came from and what it allows. */
  readonly template?: TemplateOrigin;
  /** Called before every backup run (backups:hook); undefined = backups run without telling the app. */
  readonly backupHook?: BackupHookSpec;
}

/**
 * The app's pre-backup hook: every backup run (backups:create and the schedule's) first
 * sends GET `path` to the app's web Service and backs up only after a 2xx within
 * `timeoutSeconds`; any other answer, or none, fails the run before anything is read.
 */
export interface BackupHookSpec {
  /** URL path and query on the web Service, e.g. `/internal/pre-backup`. */
  readonly path: string;
  /** Seconds the app has to answer (1…600). */
  readonly timeoutSeconds: number;
}

/** The app template an app was made from (templates/<name>.json), recorded at creation. */
export interface TemplateOrigin {
  /** The template's name. */
  readonly name: string;
  /**
   * Most replicas of each process type the template allows (apps:scale and apps:autoscale
   * refuse more), and why, e.g. its SQLite database on the data volume; undefined = no
   * limit beyond the server's.
   */
  readonly scaleLimit?: { readonly max: number; readonly reason: string };
}

/** Review-app settings of a parent app. */
export interface PreviewSettings {
  /** Previews with no push for this long are destroyed by the sweep. */
  readonly ttlSeconds: number;
  /** Previews of this app at most. */
  readonly limit: number;
  /** Add-ons of a preview: `fresh` (its own, destroyed with it), `shared` (the parent's) or `none`. */
  readonly addons: "none" | "fresh" | "shared";
  /** App whose config a new preview starts from. @defaultValue the parent */
  readonly configFrom?: string;
}

/** What a review app previews. */
export interface PreviewOrigin {
  readonly parent: string;
  /** Short branch name, e.g. `feature/login`. */
  readonly branch: string;
  /** ISO time of the last push (or deploy) of the branch: the TTL counts from here. */
  readonly lastPushAt: string;
}

/** Where `apps:deploy` fetches from. */
export interface SourceSettings {
  /** An https Git URL, ssh:// (with a deploy key), or file:// on the server. */
  readonly url: string;
  readonly branch: string;
  /** Secret (in the app's namespace) holding the generated ed25519 deploy key, if any. */
  readonly deployKeySecret?: string;
}

/** An app as read back: its name, spec and what the cluster reports. */
export interface App {
  readonly name: string;
  readonly spec: AppSpec;
  readonly status: AppStatus;
  /** Opaque version for optimistic concurrency (Kubernetes resourceVersion). */
  readonly version: string;
  readonly createdAt: string;
  /** When `apps:destroy` (or a preview's removal) began; set until the App is gone. */
  readonly deletingSince?: string;
}

/** Condition types written by the reconciler, as on Kubernetes objects. */
export type AppConditionType = "Ready" | "Progressing" | "Degraded";

export interface AppCondition {
  readonly type: AppConditionType;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export interface AppStatus {
  readonly observedGeneration?: number;
  readonly conditions: readonly AppCondition[];
  /** Release currently serving (after a successful rollout). */
  readonly currentRelease?: number;
  /** Process type → ready/desired replicas. */
  readonly processes?: Readonly<Record<string, { ready: number; desired: number }>>;
}

/** An immutable release: what runs, numbered v1, v2, … per app. */
export interface Release {
  readonly app: string;
  readonly number: number;
  /** Image reference pinned by digest: `registry/app@sha256:…`. */
  readonly image: string;
  /** sha256 of the config vars this release was made with (not the values). */
  readonly configHash: string;
  /** Process type → command (from the Procfile); empty = image CMD as `web`. */
  readonly processes: Readonly<Record<string, string>>;
  /** Procfile `release:` command, run as a Job before rollout. */
  readonly releaseCommand?: string;
  readonly gitSha?: string;
  readonly author: string;
  /** `Deploy abc1234`, `Set DATABASE_URL`, `Rollback to v5` … */
  readonly description: string;
  readonly createdAt: string;
  readonly releasePhase?: "Pending" | "Succeeded" | "Failed" | "NotRequired";
}

/** The default spec of a new app. */
export function defaultAppSpec(): AppSpec {
  return {
    deployBranch: "main",
    processes: {},
    domains: [],
    volumes: [],
    builder: { mode: "auto" },
  };
}
