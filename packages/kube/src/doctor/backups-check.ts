import type { CheckOutcome, HealthCheck } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import type { CronJob } from "../backups/backup-job.ts";
import { jobOnlyRecord, judgeBackupHealth, uncoveredBySchedule } from "../backups/health.ts";
import { parseContents } from "../backups/records.ts";
import { LABEL_ADDON, type StatefulSet } from "../addons/render.ts";
import { LABEL_BACKUP } from "../backups/objects.ts";
import { LABEL_APP, LABEL_COMPONENT } from "../labels.ts";
import type { Job } from "../rest/wire.ts";

/** Every app's backups in order: the newest run succeeded, its drill passed, no scheduled run missed. */
export function backupsCheck(apis: KubeApis, now: () => Date = () => new Date()): HealthCheck {
  return {
    id: "backups",
    title: "Backups: no app's newest backup or drill failed, no scheduled run missed",
    async run(): Promise<CheckOutcome> {
      const [cronJobs, jobs, addons] = await Promise.all([
        apis.custom<CronJob>("batch/v1", "cronjobs").listAll({ labelSelector: `${LABEL_BACKUP}=schedule` }),
        apis.jobs.listAll({ labelSelector: `${LABEL_BACKUP}=backup` }),
        apis.custom<StatefulSet>("apps/v1", "statefulsets").listAll({ labelSelector: `${LABEL_COMPONENT}=addon` }),
      ]);
      return judgeBackups(cronJobs.items, jobs.items, now(), addons.items);
    },
  };
}

/** The verdict over all apps' backup CronJobs and runs (pure, for tests). */
export function judgeBackups(cronJobs: readonly CronJob[], jobs: readonly Job[], now: Date, addons: readonly StatefulSet[] = []): CheckOutcome {
  const apps = new Set([...cronJobs, ...jobs].map((o) => o.metadata?.labels?.[LABEL_APP] ?? "").filter((a) => a !== ""));
  const problems: { status: "fail" | "warn"; finding: string; fix: string }[] = [];
  for (const app of [...apps].sort()) {
    const cron = cronJobs.find((c) => c.metadata?.labels?.[LABEL_APP] === app);
    const records = jobs.filter((j) => j.metadata?.labels?.[LABEL_APP] === app).map(jobOnlyRecord);
    const schedule = cron?.spec?.schedule === undefined ? undefined : { cron: cron.spec.schedule, ...(cron.metadata?.creationTimestamp === undefined ? {} : { since: cron.metadata.creationTimestamp }) };
    // Add-ons created after the schedule are not in its Jobs (volumes: see apps:info).
    const appAddons = addons.filter((s) => s.metadata?.labels?.[LABEL_APP] === app).map((s) => s.metadata?.labels?.[LABEL_ADDON] ?? "");
    const uncovered = cron === undefined ? [] : uncoveredBySchedule(parseContents(cron.spec?.jobTemplate.metadata?.annotations), { volumes: [], addons: appAddons });
    const health = judgeBackupHealth({ records, ...(schedule === undefined ? {} : { schedule }), uncovered, now });
    if (health.status === "failed") {
      problems.push({ status: "fail", finding: `${app}: ${health.finding}`, fix: `see why: ssh qs backups ${app}; then run ssh qs backups:create ${app} (and backups:drill ${app})` });
    } else if (health.status === "incomplete") {
      problems.push({ status: "warn", finding: `${app}: ${health.finding}`, fix: `ssh qs backups:schedule ${app} "<when>" (the same schedule again takes in what the app has now)` });
    } else if (health.status === "missed") {
      problems.push({ status: "warn", finding: `${app}: ${health.finding}`, fix: `back it up now with ssh qs backups:create ${app}; a run still going at the next time makes the schedule skip it (kubectl -n qs-app-${app} get jobs)` });
    }
  }
  const first = problems.find((p) => p.status === "fail") ?? problems[0];
  if (first === undefined) return { status: "ok", finding: apps.size === 0 ? "no app is backed up" : `${apps.size} app${apps.size === 1 ? "" : "s"} backed up, all in order` };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return { status: first.status, finding: `${first.finding}${more}`, fix: first.fix };
}
