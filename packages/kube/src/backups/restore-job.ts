import type { Job } from "../rest/wire.ts";
import { type ResticJobOptions, type ResticPodInput, buildResticJob } from "./backup-job.ts";
import type { BackupAddon } from "./addon-dumps.ts";
import { checkScript, drillScript, restoreScript } from "./scripts.ts";

/**
 * Restores backup `backupId` of the repository in the Secret over `volumes` (in place or
 * another app's), then loads each add-on's dump into the add-on of that name in `namespace`.
 */
export function buildRestoreJob(
  namespace: string,
  name: string,
  input: { app: string; image: string; backupId: string; volumes: NonNullable<ResticPodInput["volumes"]>; secretName?: string; addons?: readonly BackupAddon[] },
  options: ResticJobOptions = {},
): Job {
  return buildResticJob(namespace, name, { ...input, kind: "restore", script: restoreScript() }, options);
}

/**
 * A drill: restores `backupId` into an emptyDir of a scratch namespace, checks the manifests,
 * then loads each add-on's dump into a scratch server and compares row counts.
 */
export function buildDrillJob(namespace: string, name: string, input: { app: string; image: string; backupId: string; addons?: readonly BackupAddon[] }, options: ResticJobOptions = {}): Job {
  return buildResticJob(namespace, name, { ...input, kind: "drill", script: drillScript() }, options);
}

/** backups:target-set's connection test: opens or creates the check repository. */
export function buildCheckJob(namespace: string, name: string, input: { image: string; secretName: string }, options: ResticJobOptions = {}): Job {
  return buildResticJob(
    namespace,
    name,
    { app: "qs-backup-check", image: input.image, kind: "check", script: checkScript(), backupId: "check", secretName: input.secretName },
    { activeDeadlineSeconds: options.activeDeadlineSeconds ?? 120 },
  );
}
