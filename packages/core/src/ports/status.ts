import type { Principal } from "../principal.ts";
import type { Role } from "../principal.ts";
import type { BackupHealth } from "./backups.ts";
import type { CheckResult } from "./doctor.ts";
import type { AutoscalerState } from "./ops.ts";

/** One point of a resource series: when, CPU in millicores, memory in bytes. */
export interface MetricSample {
  /** Unix time in milliseconds. */
  readonly at: number;
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

/** Ready/desired pods of one process type. */
export interface ProcessSummary {
  readonly process: string;
  readonly ready: number;
  readonly desired: number;
}

/** One App condition as the status page shows it (from App.status.conditions). */
export interface StatusCondition {
  readonly type: string;
  /** "True", "False" or "Unknown". */
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** An app on the overview page. */
export interface AppSummary {
  readonly name: string;
  /** One word from the conditions: Running, Deploying, Failed, Idle … */
  readonly status: string;
  readonly conditions: readonly StatusCondition[];
  /** `v7`, or undefined before the first release. */
  readonly release?: string;
  readonly domains: readonly string[];
  readonly processes: readonly ProcessSummary[];
  /** Current usage summed over the app's pods, when metrics-server has it. */
  readonly cpuMillicores?: number;
  readonly memoryBytes?: number;
}

/** A release as the app page lists it. */
export interface ReleaseSummary {
  /** `v7` */
  readonly version: string;
  readonly author: string;
  readonly description: string;
  readonly createdAt: string;
  readonly current: boolean;
}

/** A custom domain and its certificate. */
export interface DomainStatus {
  readonly host: string;
  /** Ready, Pending, Failed: cert-manager's Certificate state, with why when not ready. */
  readonly certificate: string;
  readonly certificateMessage?: string;
}

/** One pod. */
export interface PodStatus {
  /** `web.1` */
  readonly source: string;
  readonly pod: string;
  readonly process: string;
  readonly state: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly node?: string;
  readonly cpuMillicores?: number;
  readonly memoryBytes?: number;
}

/** A volume as the app page shows it (from the App spec). */
export interface VolumeSummary {
  readonly name: string;
  readonly mountPath: string;
  readonly size: string;
  /** Process types that mount it; empty = all. */
  readonly processes: readonly string[];
}

/** Everything the app page shows. */
export interface AppDetail extends AppSummary {
  readonly releases: readonly ReleaseSummary[];
  readonly domainStatus: readonly DomainStatus[];
  readonly pods: readonly PodStatus[];
  readonly volumes: readonly VolumeSummary[];
  /** Config var names, sorted; the values never leave the config Secret for the page. */
  readonly configKeys: readonly string[];
  /** The last build's output lines (Heroku style), empty when there was none. */
  readonly lastBuild: { readonly sha?: string; readonly status: string; readonly output: readonly string[] } | undefined;
  /** The app's autoscalers (current/desired replicas, last scale and why); absent or empty when none. */
  readonly autoscalers?: readonly AutoscalerState[];
  /** Add-ons the app uses or owns; absent when the control plane has no add-on manager. */
  readonly addons?: readonly AddonSummary[];
  /** Whether the app's backups are in order (a failed or missed backup says so); absent without backups. */
  readonly backups?: BackupHealth;
}

/** An add-on as the app page lists it: never its credentials or URL. */
export interface AddonSummary {
  readonly name: string;
  /** The app whose namespace holds it (another app's when shared). */
  readonly owner: string;
  readonly kind: string;
  readonly version: string;
  /** Ready, Starting (0/1) or Missing. */
  readonly status: string;
  /** The config var it sets on this app (`DATABASE_URL`); absent when not attached. */
  readonly variable?: string;
}

/** A node on the nodes page. */
export interface NodeSummary {
  readonly name: string;
  readonly status: string;
  readonly roles: readonly string[];
  readonly version: string;
  readonly cpuCapacityMillicores: number;
  readonly memoryCapacityBytes: number;
  readonly cpuUsageMillicores?: number;
  readonly memoryUsageBytes?: number;
}

/**
 * The read model behind the status pages. Every method applies the same authorisation as
 * SSH and the API: a developer sees only granted apps (getApp/logs throw AppNotFoundError
 * for apps they may not see, so existence does not leak) and nodes only for admins
 * (ForbiddenError). Implemented over the command layer's ports by apps/server.
 */
export interface StatusSource {
  listApps(principal: Principal): Promise<readonly AppSummary[]>;
  getApp(principal: Principal, app: string): Promise<AppDetail>;
  nodes(principal: Principal): Promise<readonly NodeSummary[]>;
  /** The doctor's checks (admins only, ForbiddenError otherwise); absent without a doctor. */
  health?(principal: Principal): Promise<readonly CheckResult[]>;
  /** Follows new log lines (tail first) until the signal aborts. */
  logs(principal: Principal, app: string, onLine: (line: { source: string; line: string }) => void, signal: AbortSignal): Promise<void>;
}

/** Series names in a MetricStore: `app:<name>` and `node:<name>`. */
export type MetricSeries = `app:${string}` | `node:${string}`;

/** Bounded resource history (24 h) for sparklines; implemented over Redis. */
export interface MetricStore {
  append(series: MetricSeries, sample: MetricSample): Promise<void>;
  /** Samples of the series at or after sinceMs, oldest first. */
  read(series: MetricSeries, sinceMs: number): Promise<readonly MetricSample[]>;
}

/** Current usage of every app and node (metrics.k8s.io), implemented by packages/kube. */
export interface UsageSource {
  sample(): Promise<{
    readonly apps: Readonly<Record<string, { cpuMillicores: number; memoryBytes: number }>>;
    readonly nodes: Readonly<Record<string, { cpuMillicores: number; memoryBytes: number }>>;
  }>;
}

/** What the web login needs to know about a user (never shown). */
export interface LoginAccount {
  readonly name: string;
  readonly role: Role;
  readonly passwordHash?: string;
  readonly totpSecret?: string;
  /** Number of unused recovery codes (for a warning when few are left). */
  readonly recoveryCodesLeft: number;
}

/** Users as the web login sees them (over UserStore plus a TOTP step record). */
export interface UserDirectory {
  /** undefined when no such user (the login does not say so). */
  find(name: string): Promise<LoginAccount | undefined>;
  /** The last TOTP step accepted for the user, if any. */
  lastTotpStep(name: string): Promise<number | undefined>;
  /** Atomically records step when it is after the stored one; false = replay, refuse. */
  claimTotpStep(name: string, step: number): Promise<boolean>;
  /** Consumes a recovery code by its hash; false when unknown or already used. */
  useRecoveryCode(name: string, codeHash: string): Promise<boolean>;
}

/** Certificate state of an app's domains (cert-manager Certificates), by packages/kube. */
export interface CertificateSource {
  status(app: string, domains: readonly string[]): Promise<readonly DomainStatus[]>;
}
