import type { BackupRecord, DrillRate } from "@qs/core";

// Scheduled restore drills (issue 18): a schedule's backups are drilled at a rate recorded on
// its CronJob. The control plane checks now and then which schedules are due; the decision
// is this pure function, so it is tested with a fixed clock.

/** Annotation on the schedule's CronJob: how often its backups are drilled. */
export const ANNOTATION_DRILL_RATE = "quickstack.dev/drill-rate";

/** The rates backups:schedule --drill takes. */
export const DRILL_RATES: readonly DrillRate[] = ["daily", "weekly", "monthly", "off"];

/** A schedule's drill rate when it does not say (and for schedules made before rates existed). */
export const DEFAULT_DRILL_RATE: DrillRate = "weekly";

/**
 * The shortest time between two scheduled drills. A little under the period (one hour off a
 * day): a daily backup whose run takes a few seconds longer than yesterday's must not slip
 * its drill by a whole day.
 */
const SLACK_MS = 60 * 60_000;
const DAY_MS = 86_400_000;
const INTERVAL_MS: Readonly<Record<Exclude<DrillRate, "off">, number>> = { daily: DAY_MS - SLACK_MS, weekly: 7 * DAY_MS - SLACK_MS, monthly: 30 * DAY_MS - SLACK_MS };

/** The CronJob annotation recording a drill rate. */
export function drillRateAnnotation(rate: DrillRate): Record<string, string> {
  return { [ANNOTATION_DRILL_RATE]: rate };
}

/** The drill rate a CronJob's annotations record (the default when absent or unknown). */
export function parseDrillRate(annotations: Readonly<Record<string, string>> | undefined): DrillRate {
  const raw = annotations?.[ANNOTATION_DRILL_RATE];
  return DRILL_RATES.find((r) => r === raw) ?? DEFAULT_DRILL_RATE;
}

/**
 * The scheduled backup to drill now, or undefined. Due when the newest scheduled run has
 * succeeded, has no drill yet, and the app's last drill (scheduled or by hand) is older than
 * the rate — or failed: after a failed drill the next scheduled backup is drilled at once,
 * so a fixed cause clears the failure without waiting a week. A running or failed newest
 * run is not drilled (a failed run already makes health "failed").
 */
export function dueDrill(records: readonly BackupRecord[], rate: DrillRate, now: Date): BackupRecord | undefined {
  if (rate === "off") return undefined;
  // Ties (runs started within one second) go by name: a CronJob names its Jobs
  // `<cronjob>-<scheduled minute since 1970>`, so the later name is the later run.
  const scheduled = records.filter((r) => r.scheduled).sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? "") || b.id.localeCompare(a.id));
  const newest = scheduled[0];
  if (newest?.status !== "succeeded" || newest.drill !== undefined) return undefined;
  const last = records.flatMap((r) => (r.drill === undefined ? [] : [r.drill])).sort((a, b) => b.at.localeCompare(a.at))[0];
  if (last === undefined || !last.ok) return newest;
  return now.getTime() - Date.parse(last.at) >= INTERVAL_MS[rate] ? newest : undefined;
}
