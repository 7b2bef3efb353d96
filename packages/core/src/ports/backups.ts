import type { AddonKind } from "../addon.ts";
import type { BackupHookSpec } from "../app.ts";

/** Where backups go: an S3-compatible bucket and prefix (credentials never leave their Secret). */
export interface BackupTarget {
  /** `s3://bucket/prefix`. */
  readonly url: string;
  /** The S3 endpoint as pods reach it, e.g. `https://s3.example.com`. */
  readonly endpoint: string;
  readonly region: string;
}

/** backups:target-set's input: the target plus the keys that go into a Secret. */
export interface BackupTargetInput extends BackupTarget {
  readonly accessKey: string;
  readonly secretKey: string;
}

/** How many snapshots retention keeps per period (restic forget --keep-*). */
export interface BackupRetention {
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
}

/** How often a schedule's backups are drilled (restored aside and checked); "off" never. */
export type DrillRate = "daily" | "weekly" | "monthly" | "off";

/** One backup run (a Job): what backups APP lists. */
export interface BackupRecord {
  /** The Job name; restic snapshots carry it as tag `qs-backup=<id>`. */
  readonly id: string;
  readonly status: "running" | "succeeded" | "failed";
  readonly startedAt?: string;
  readonly durationSeconds?: number;
  /** Bytes read from the volumes (restic's total_bytes_processed). */
  readonly sizeBytes?: number;
  /** Bytes this run added to the repository after deduplication. */
  readonly addedBytes?: number;
  readonly snapshot?: string;
  /** Made by the schedule's CronJob rather than backups:create. */
  readonly scheduled: boolean;
  /** Why it failed (the engine's last words). */
  readonly reason?: string;
  /** A saved backup whose retention prune was put off to the next run, and why. */
  readonly pruneSkipped?: string;
  /** The last restore drill of this backup. */
  readonly drill?: { readonly ok: boolean; readonly at: string; readonly reason?: string };
}

/** What a restore drill found. */
export interface DrillResult {
  readonly backup: string;
  readonly ok: boolean;
  /** Files whose checksum matched the manifest written at backup time (volume files and dumps). */
  readonly files: number;
  /** Each database add-on's dump, loaded into a scratch server: tables and rows, all matching the counts taken at backup time. */
  readonly databases?: readonly { readonly addon: string; readonly kind: AddonKind; readonly tables: number; readonly rows: number }[];
  readonly reason?: string;
}

/**
 * Whether an app's backups are in order, as apps:info, the status page and doctor show it:
 * failed (the newest run or its drill failed), missed (a scheduled time went by with no
 * run), incomplete (the schedule leaves out a volume or add-on added after it), none
 * (nothing scheduled or run), ok.
 */
export interface BackupHealth {
  readonly status: "ok" | "failed" | "missed" | "incomplete" | "none";
  /** One line: what was found. */
  readonly finding: string;
  /** The schedule's cron line (UTC), when there is one. */
  readonly schedule?: string;
  /** The newest finished run. */
  readonly last?: { readonly id: string; readonly status: BackupRecord["status"]; readonly at?: string };
}

/** Backups of an app's volumes and database add-ons to the installation's target (packages/kube/src/backups). */
export interface BackupService {
  /** Tests the connection from inside the cluster, then stores target and keys as Secrets. */
  setTarget(input: BackupTargetInput, signal: AbortSignal): Promise<BackupTarget>;
  /** The CronJob that backs APP up on `cron` and prunes by `retention`; its backups are drilled at `drill` (@defaultValue "weekly"). */
  schedule(app: string, cron: string, retention: BackupRetention, drill?: DrillRate): Promise<void>;
  /**
   * Declares (or with undefined removes) APP's pre-backup hook on its spec, and renders it
   * into the schedule's CronJob when there is one; says whether there was.
   */
  setHook(app: string, hook: BackupHookSpec | undefined): Promise<{ readonly scheduleUpdated: boolean }>;
  /** Backs APP up now and waits for the result. */
  create(app: string, signal: AbortSignal): Promise<BackupRecord>;
  /** Every backup run of APP still recorded, newest first. */
  list(app: string): Promise<BackupRecord[]>;
  /** Restores backup `id` of `app` into the volumes of `to` (the same app by default). */
  restore(app: string, id: string, to: string, signal: AbortSignal): Promise<void>;
  /** Restores the newest good backup into a scratch namespace, checks it and deletes the copy. */
  drill(app: string, signal: AbortSignal): Promise<DrillResult>;
  /** Whether APP's backups are in order (a failed or missed backup says so). */
  health(app: string): Promise<BackupHealth>;
}
