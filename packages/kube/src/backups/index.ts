export { createBackupManager, type BackupManagerOptions } from "./backup-manager.ts";
export { buildBackupJob, buildResticJob, buildResticJobSpec, buildResticPodTemplate, type CronJob, type ResticPodInput } from "./backup-job.ts";
export { buildBackupCronJob, type BackupScheduleInput } from "./backup-cronjob.ts";
export { buildRestoreJob, buildDrillJob, buildCheckJob } from "./restore-job.ts";
export { DEFAULT_RESTIC_IMAGE, backupNames, buildBackupSecret, buildBackupServiceAccount, resticRepository, LABEL_BACKUP } from "./objects.ts";
export { backupRecord } from "./records.ts";
export { judgeBackupHealth, previousCronTime, jobStatus, jobOnlyRecord, MISSED_GRACE_MS } from "./health.ts";
export { type BackupAddon, dumpScript, loadScript, verifyScript } from "./addon-dumps.ts";
