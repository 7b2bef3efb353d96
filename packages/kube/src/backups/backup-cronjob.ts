import type { BackupRetention } from "@qs/core";
import { appLabels } from "../labels.ts";
import { type CronJob, type ResticJobOptions, type ResticPodInput, buildResticJobSpec } from "./backup-job.ts";
import { LABEL_BACKUP, backupNames } from "./objects.ts";
import { backupScript } from "./scripts.ts";

/** What a schedule is made of. */
export interface BackupScheduleInput {
  readonly app: string;
  readonly image: string;
  /** Five-field cron expression in UTC. */
  readonly cron: string;
  readonly retention: BackupRetention;
  readonly volumes: NonNullable<ResticPodInput["volumes"]>;
  /** Database add-ons dumped before each run. @defaultValue [] */
  readonly addons?: ResticPodInput["addons"];
  /** See ResticPodInput.storageTimeoutSeconds. */
  readonly storageTimeoutSeconds?: number;
  /** See ResticPodInput.hook: each run calls it first. */
  readonly hook?: ResticPodInput["hook"];
  /** Runs kept for `backups APP`. @defaultValue 30 */
  readonly history?: number;
}

/**
 * The CronJob of a schedule. concurrencyPolicy Forbid: a run that is still going makes
 * the next one skip rather than overlap (two restic processes would fight over the lock);
 * a run missed for longer than an hour (control plane or node down) is not made up later.
 */
export function buildBackupCronJob(namespace: string, input: BackupScheduleInput, options: ResticJobOptions = {}): CronJob {
  const history = input.history ?? 30;
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: backupNames.cronJob(input.app), namespace, labels: appLabels(input.app, { [LABEL_BACKUP]: "schedule" }) },
    spec: {
      schedule: input.cron,
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: history,
      failedJobsHistoryLimit: history,
      jobTemplate: {
        metadata: { labels: appLabels(input.app, { [LABEL_BACKUP]: "backup" }) },
        spec: buildResticJobSpec(
          { app: input.app, image: input.image, kind: "backup", script: backupScript(input.app, input.retention), volumes: input.volumes,
            ...(input.addons === undefined ? {} : { addons: input.addons }),
            ...(input.storageTimeoutSeconds === undefined ? {} : { storageTimeoutSeconds: input.storageTimeoutSeconds }),
            ...(input.hook === undefined ? {} : { hook: input.hook }),
          },
          options,
        ),
      },
    },
  };
}
