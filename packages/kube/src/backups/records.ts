import { ADDON_KINDS, type AddonKind, type BackupRecord, type BackupRetention, type DrillResult } from "@qs/core";
import type { Job } from "../rest/wire.ts";
import type { ResticRunResult } from "./job-runner.ts";
import { PRUNE_SKIPPED } from "./scripts.ts";

/** Annotation on a backup Job: its last drill, as JSON `{ok, at, reason?}`. */
export const ANNOTATION_DRILL = "quickstack.dev/drill";
/** Annotation on the schedule's CronJob: its retention, as JSON, so backups:create prunes alike. */
export const ANNOTATION_RETENTION = "quickstack.dev/retention";

/** Annotation on a backup Job: what it holds, as JSON `{volumes, addons: [{name, kind, image}]}`. */
export const ANNOTATION_CONTENTS = "quickstack.dev/backup-contents";

/** What one backup holds: volume names and the add-ons dumped (with the image that dumped them). */
export interface BackupContents {
  readonly volumes: readonly string[];
  readonly addons: readonly { readonly name: string; readonly kind: AddonKind; readonly image: string }[];
}

/** The Job annotation recording a backup's contents. */
export function contentsAnnotation(volumes: readonly { name: string }[], addons: readonly { name: string; kind: AddonKind; image: string }[]): Record<string, string> {
  const contents: BackupContents = { volumes: volumes.map((v) => v.name), addons: addons.map((a) => ({ name: a.name, kind: a.kind, image: a.image })) };
  return { [ANNOTATION_CONTENTS]: JSON.stringify(contents) };
}

/** A backup's contents; a Job without the annotation (made before add-ons were backed up) held volumes only. */
export function parseContents(annotations: Readonly<Record<string, string>> | undefined): BackupContents {
  const raw = annotations?.[ANNOTATION_CONTENTS];
  const volumesOnly: BackupContents = { volumes: ["*"], addons: [] };
  if (raw === undefined) return volumesOnly;
  try {
    const v = JSON.parse(raw) as { volumes?: unknown; addons?: unknown };
    const volumes = Array.isArray(v.volumes) ? v.volumes.filter((x): x is string => typeof x === "string") : [];
    const addons = (Array.isArray(v.addons) ? (v.addons as Record<string, unknown>[]) : []).flatMap((a) =>
      typeof a.name === "string" && typeof a.image === "string" && (ADDON_KINDS as readonly unknown[]).includes(a.kind) ? [{ name: a.name, kind: a.kind as AddonKind, image: a.image }] : [],
    );
    return { volumes, addons };
  } catch {
    return volumesOnly;
  }
}

/** A drill's report: JSON lines, `{files}` from restic's step then one per add-on verified. */
export function parseDrillReport(message: string): Pick<DrillResult, "files" | "databases"> {
  let files = 0;
  const databases: NonNullable<DrillResult["databases"]>[number][] = [];
  for (const line of message.split("\n")) {
    try {
      const v = JSON.parse(line) as Record<string, unknown>;
      if (typeof v.files === "number") files = v.files;
      if (typeof v.addon === "string" && typeof v.tables === "number" && typeof v.rows === "number" && (ADDON_KINDS as readonly unknown[]).includes(v.kind)) {
        databases.push({ addon: v.addon, kind: v.kind as AddonKind, tables: v.tables, rows: v.rows });
      }
    } catch {
      // Not a report line.
    }
  }
  return { files, databases };
}

/** The CronJob annotation recording a retention. */
export function retentionAnnotation(retention: BackupRetention): Record<string, string> {
  return { [ANNOTATION_RETENTION]: JSON.stringify(retention) };
}

/** The retention a CronJob's annotations record ({} = keep everything). */
export function parseRetention(annotations: Readonly<Record<string, string>> | undefined): BackupRetention {
  const raw = annotations?.[ANNOTATION_RETENTION];
  if (raw === undefined) return {};
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const n = (k: string): { [key: string]: number } => (typeof v[k] === "number" ? { [k]: v[k] } : {});
    return { ...n("daily"), ...n("weekly"), ...n("monthly") };
  } catch {
    return {};
  }
}

/** restic's `backup --json` summary line (the fields used here). */
interface ResticSummary {
  readonly snapshot_id?: string;
  readonly total_bytes_processed?: number;
  readonly data_added?: number;
}

/** The summary (first line) and a put-off prune (a later line), from a backup's termination message. */
function summaryOf(message: string): ResticSummary & { pruneSkipped?: string } {
  const [first = "", ...rest] = message.split("\n");
  let summary: ResticSummary = {};
  try {
    summary = JSON.parse(first) as ResticSummary;
  } catch {
    // no summary: restic's output changed or the line was cut
  }
  for (const line of rest) {
    try {
      const skipped = (JSON.parse(line) as Record<string, unknown>)[PRUNE_SKIPPED];
      if (typeof skipped === "string") return { ...summary, pruneSkipped: skipped };
    } catch {
      // not ours
    }
  }
  return summary;
}

function drillOf(job: Job): BackupRecord["drill"] {
  const raw = job.metadata?.annotations?.[ANNOTATION_DRILL];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as BackupRecord["drill"];
  } catch {
    return undefined;
  }
}

/** One backup run as `backups APP` shows it, from its Job and (when finished) its result. */
export function backupRecord(job: Job, result: ResticRunResult | undefined): BackupRecord {
  const started = job.status?.startTime ?? job.metadata?.creationTimestamp;
  const ended = job.status?.completionTime ?? job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True")?.lastTransitionTime;
  const durationSeconds = started !== undefined && ended !== undefined ? Math.max(0, Math.round((Date.parse(ended) - Date.parse(started)) / 1000)) : undefined;
  const summary = result?.ok === true ? summaryOf(result.message) : {};
  const drill = drillOf(job);
  return {
    id: job.metadata?.name ?? "",
    status: result === undefined ? "running" : result.ok ? "succeeded" : "failed",
    scheduled: (job.metadata?.ownerReferences ?? []).some((o) => o.kind === "CronJob"),
    ...(started === undefined ? {} : { startedAt: started }),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
    ...(summary.total_bytes_processed === undefined ? {} : { sizeBytes: summary.total_bytes_processed }),
    ...(summary.data_added === undefined ? {} : { addedBytes: summary.data_added }),
    ...(summary.snapshot_id === undefined ? {} : { snapshot: summary.snapshot_id }),
    ...(result?.ok === false ? { reason: result.message } : {}),
    ...(summary.pruneSkipped === undefined ? {} : { pruneSkipped: summary.pruneSkipped }),
    ...(drill === undefined ? {} : { drill }),
  };
}
