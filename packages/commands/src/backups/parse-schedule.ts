import { type DrillRate, ValidationError } from "@qs/core";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const EXAMPLES = 'e.g. "hourly", "daily 03:00", "weekly sun 03:00", "monthly 1 03:00" or a cron line "15 3 * * *" (UTC)';

const invalid = (input: string, why: string): ValidationError =>
  new ValidationError("INVALID_SCHEDULE", `schedule "${input}": ${why}`, { hint: `write it as ${EXAMPLES}` });

function time(input: string, hhmm: string | undefined): { h: number; m: number } {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm ?? "");
  if (match === null) throw invalid(input, `"${hhmm ?? ""}" is not a time HH:MM (00:00 to 23:59)`);
  return { h: Number(match[1]), m: Number(match[2]) };
}

/** A five-field cron field of digits, `*`, ranges, lists and steps (no names, no seconds). */
const CRON_FIELD = /^(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?)*$/;

/**
 * The cron line (UTC, as the CronJob's timeZone says) of a schedule as people write it:
 * `hourly`, `daily HH:MM`, `weekly DAY HH:MM`, `monthly DAY-OF-MONTH HH:MM`, or five cron fields.
 */
export function parseBackupSchedule(input: string): string {
  const words = input.trim().toLowerCase().split(/\s+/);
  const [kind, a, b] = words;
  switch (kind) {
    case "hourly":
      if (words.length !== 1) throw invalid(input, "hourly takes nothing after it");
      return "0 * * * *";
    case "daily": {
      if (words.length !== 2) throw invalid(input, "daily takes one time");
      const t = time(input, a);
      return `${t.m} ${t.h} * * *`;
    }
    case "weekly": {
      const day = DAYS.indexOf((a ?? "").slice(0, 3) as (typeof DAYS)[number]);
      if (words.length !== 3 || day < 0) throw invalid(input, "weekly takes a day (sun … sat) and a time");
      const t = time(input, b);
      return `${t.m} ${t.h} * * ${day}`;
    }
    case "monthly": {
      const day = Number(a);
      // Days 29–31 do not come every month: such a schedule would silently skip months.
      if (words.length !== 3 || !Number.isInteger(day) || day < 1 || day > 28) throw invalid(input, "monthly takes a day of the month (1 to 28) and a time");
      const t = time(input, b);
      return `${t.m} ${t.h} ${day} * *`;
    }
    default:
      if (words.length === 5 && words.every((w) => CRON_FIELD.test(w))) return words.join(" ");
      throw invalid(input, "not a schedule QuickStack knows");
  }
}

/** A --keep-* count: a whole number from 0 to 1000. */
export function parseKeep(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,4}$/.test(value) || Number(value) > 1000) {
    throw new ValidationError("INVALID_RETENTION", `--${flag} ${value} is not a count`, { hint: `give a whole number from 0 to 1000, e.g. --${flag} 7` });
  }
  return Number(value);
}

const DRILL_RATES: readonly DrillRate[] = ["daily", "weekly", "monthly", "off"];

/** A --drill rate: how often the schedule's backups are restored aside and checked. @defaultValue "weekly" */
export function parseDrillRate(value: string | undefined): DrillRate {
  if (value === undefined) return "weekly";
  const rate = DRILL_RATES.find((r) => r === value.trim().toLowerCase());
  if (rate === undefined) {
    throw new ValidationError("INVALID_DRILL_RATE", `--drill ${value} is not a drill rate`, { hint: `give one of ${DRILL_RATES.join(", ")} (the default is weekly), e.g. --drill daily` });
  }
  return rate;
}
