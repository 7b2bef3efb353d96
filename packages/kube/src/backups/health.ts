import type { BackupHealth, BackupRecord } from "@qs/core";
import type { Job } from "../rest/wire.ts";
import { type BackupContents, backupRecord } from "./records.ts";

// Whether an app's backups are in order: the newest finished run succeeded, the latest drill
// (if any) passed, and a schedule has not let a run go by. The same verdict feeds
// `apps:info`, the status page and doctor.

/** How long after a scheduled time a run may still be about to start before it counts as missed. */
export const MISSED_GRACE_MS = 15 * 60_000;

/** Searched back at most this far for a schedule's previous time (a yearly cron is not offered). */
const MAX_LOOKBACK_DAYS = 400;

function field(spec: string, min: number, max: number): (v: number) => boolean {
  const allowed = new Set<number>();
  for (const part of spec.split(",")) {
    const [range = "*", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    const [lo, hi] = range === "*" ? [min, max] : range.includes("-") ? range.split("-").map(Number) : [Number(range), stepText === undefined ? Number(range) : max];
    for (let v = lo ?? min; v <= (hi ?? max); v += Math.max(1, step)) allowed.add(v);
  }
  return (v) => allowed.has(v);
}

/**
 * The latest time at or before `at` (UTC, minute precision) that a five-field cron line
 * fires, or undefined when it does not fire within MAX_LOOKBACK_DAYS. Day of month and
 * day of week follow cron: when both are restricted, either matching is enough.
 */
export function previousCronTime(cron: string, at: Date): Date | undefined {
  const [mi = "*", ho = "*", dom = "*", mo = "*", dow = "*"] = cron.trim().split(/\s+/);
  const minute = field(mi, 0, 59);
  const hour = field(ho, 0, 23);
  const dayOfMonth = field(dom, 1, 31);
  const month = field(mo, 1, 12);
  const weekday = field(dow.replace(/\b7\b/g, "0"), 0, 6);
  const dayMatches = (d: Date): boolean => {
    if (!month(d.getUTCMonth() + 1)) return false;
    const byDom = dayOfMonth(d.getUTCDate());
    const byDow = weekday(d.getUTCDay());
    if (dom === "*" || dow === "*") return dom === "*" ? byDow : dow === "*" ? byDom : byDom && byDow;
    return byDom || byDow;
  };
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  for (let back = 0; back <= MAX_LOOKBACK_DAYS; back++) {
    const day = new Date(start.getTime() - back * 86_400_000);
    if (!dayMatches(day)) continue;
    for (let h = 23; h >= 0; h--) {
      if (!hour(h)) continue;
      for (let m = 59; m >= 0; m--) {
        if (!minute(m)) continue;
        const t = new Date(day.getTime() + (h * 60 + m) * 60_000);
        if (t.getTime() <= at.getTime()) return t;
      }
    }
  }
  return undefined;
}

/** What health is judged from: the runs (newest first) and, when scheduled, the schedule. */
export interface BackupHealthInput {
  readonly records: readonly Pick<BackupRecord, "id" | "status" | "startedAt" | "reason" | "drill">[];
  readonly schedule?: { readonly cron: string; readonly since?: string };
  /** Volumes and add-ons ("add-on db") the app has and its schedule leaves out. @defaultValue [] */
  readonly uncovered?: readonly string[];
  readonly now: Date;
}

/** The verdict on one app's backups (pure). */
export function judgeBackupHealth(input: BackupHealthInput): BackupHealth {
  const runs = [...input.records].sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? ""));
  const finished = runs.find((r) => r.status !== "running");
  const newest = runs[0];
  const schedule = input.schedule === undefined ? {} : { schedule: input.schedule.cron };
  const last = finished === undefined ? {} : { last: { id: finished.id, status: finished.status, ...(finished.startedAt === undefined ? {} : { at: finished.startedAt }) } };
  if (finished?.status === "failed") {
    return { status: "failed", finding: `backup ${finished.id} failed${finished.startedAt === undefined ? "" : ` (${finished.startedAt})`}: ${finished.reason ?? "see backups APP"}`, ...schedule, ...last };
  }
  // The latest drill is the latest proof: a failed one (often a scheduled drill of an older
  // run than the newest) stands until a later drill passes.
  const drilled = runs.filter((r) => r.drill !== undefined).sort((a, b) => (b.drill?.at ?? "").localeCompare(a.drill?.at ?? ""))[0];
  if (drilled?.drill !== undefined && !drilled.drill.ok) {
    return { status: "failed", finding: `the drill of backup ${drilled.id} failed (${drilled.drill.at}): ${drilled.drill.reason ?? "unknown reason"}`, ...schedule, ...last };
  }
  if (input.schedule !== undefined) {
    const due = previousCronTime(input.schedule.cron, new Date(input.now.getTime() - MISSED_GRACE_MS));
    const since = input.schedule.since === undefined ? undefined : Date.parse(input.schedule.since);
    const ranSince = newest?.startedAt !== undefined && due !== undefined && Date.parse(newest.startedAt) >= due.getTime() - 60_000;
    if (due !== undefined && (since === undefined || since <= due.getTime()) && !ranSince) {
      return { status: "missed", finding: `no backup ran for the scheduled time ${due.toISOString()} (cron "${input.schedule.cron}" UTC)`, ...schedule, ...last };
    }
  }
  const uncovered = input.uncovered ?? [];
  if (input.schedule !== undefined && uncovered.length > 0) {
    return { status: "incomplete", finding: `the schedule leaves out ${uncovered.join(", ")} (added after it): run backups:schedule again`, ...schedule, ...last };
  }
  if (finished === undefined) {
    return newest === undefined
      ? { status: "none", finding: input.schedule === undefined ? "no backups" : "scheduled, no run yet", ...schedule }
      : { status: "ok", finding: `backup ${newest.id} is running`, ...schedule };
  }
  const drill = finished.drill === undefined ? "" : `, drill passed ${finished.drill.at}`;
  return { status: "ok", finding: `last backup ${finished.id} succeeded${finished.startedAt === undefined ? "" : ` (${finished.startedAt})`}${drill}`, ...schedule, ...last };
}

/** A run's status from its Job alone (no pod reads): enough for a health sweep over every app. */
export function jobStatus(job: Job): BackupRecord["status"] {
  const done = job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  return done === undefined ? "running" : done.type === "Complete" ? "succeeded" : "failed";
}

/** A run as health needs it, from its Job alone (the reason is left to `backups APP`). */
export function jobOnlyRecord(job: Job): Pick<BackupRecord, "id" | "status" | "startedAt" | "drill"> {
  const status = jobStatus(job);
  const record = backupRecord(job, status === "running" ? undefined : { ok: status === "succeeded", message: "" });
  return { id: record.id, status, ...(record.startedAt === undefined ? {} : { startedAt: record.startedAt }), ...(record.drill === undefined ? {} : { drill: record.drill }) };
}

/** What a schedule's Jobs hold (its job template's contents annotation) and the app lacks in it. */
export function uncoveredBySchedule(scheduled: BackupContents, current: { volumes: readonly string[]; addons: readonly string[] }): string[] {
  return [
    ...current.volumes.filter((v) => !scheduled.volumes.includes(v) && !scheduled.volumes.includes("*")).map((v) => `volume ${v}`),
    ...current.addons.filter((a) => !scheduled.addons.some((s) => s.name === a)).map((a) => `add-on ${a}`),
  ];
}
