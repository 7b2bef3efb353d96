import type { BackupRetention } from "@qs/core";

// The shell the restic Jobs run (sh from Debian minbase). Everything secret arrives as
// environment from the backup Secret (RESTIC_REPOSITORY, RESTIC_PASSWORD, AWS_*), so these
// scripts and the pod specs that carry them hold no credentials. Volumes are mounted at
// /data/<volume>; the checksum manifest lives in /meta and is backed up beside them, so a
// drill can prove every file reads back as it was.

/** Where the Job mounts the app's volumes (one folder per volume). */
export const DATA_DIR = "/data";
/** Scratch folder for the checksum manifest, backed up with the data. */
export const META_DIR = "/meta";
/** Where a drill restores to. */
export const RESTORE_DIR = "/restore";

/** `restic forget` flags for a retention, "" when it keeps everything. */
export function forgetFlags(retention: BackupRetention): string {
  const flags: string[] = [];
  if (retention.daily !== undefined) flags.push(`--keep-daily ${retention.daily}`);
  if (retention.weekly !== undefined) flags.push(`--keep-weekly ${retention.weekly}`);
  if (retention.monthly !== undefined) flags.push(`--keep-monthly ${retention.monthly}`);
  return flags.join(" ");
}

// restic reads the Job name from QS_BACKUP_ID (the downward API), so a CronJob's runs are
// told apart exactly as backups:create's are. The summary line of `--json` goes to the
// termination message, which is how the control plane learns size and snapshot id without
// reading logs. `restic cat config` fails on a repository that does not exist yet: init it.
const preamble = `set -eu
restic cat config >/dev/null 2>&1 || restic init >/dev/null`;

/** Writes the manifest, backs up /data and /meta tagged with the run's id, then prunes. */
export function backupScript(app: string, retention: BackupRetention): string {
  const forget = forgetFlags(retention);
  return [
    preamble,
    // Plain find -exec and sha256sum -c: the same in Debian's coreutils and the upstream
    // image's busybox (Alpine).
    `mkdir -p ${META_DIR} && cd ${DATA_DIR} && find . -type f -exec sha256sum {} + > ${META_DIR}/manifest.sha256`,
    `restic backup --json --host qs --tag qs-app=${app} --tag "qs-backup=$QS_BACKUP_ID" ${DATA_DIR} ${META_DIR} > /tmp/backup.json`,
    `grep '"message_type":"summary"' /tmp/backup.json | tail -n 1 > /dev/termination-log`,
    ...(forget === "" ? [] : [`restic forget --host qs --tag qs-app=${app} ${forget} --prune >&2`]),
  ].join("\n");
}

/** Restores the data of snapshot-tag `qs-backup=$QS_BACKUP_ID` over the mounted volumes. */
export function restoreScript(): string {
  return [
    "set -eu",
    `restic restore latest --tag "qs-backup=$QS_BACKUP_ID" --target / --include ${DATA_DIR}`,
    `echo restored > /dev/termination-log`,
  ].join("\n");
}

/** Restores into an emptyDir and checks every file against the backup's manifest. */
export function drillScript(): string {
  return [
    "set -eu",
    `restic restore latest --tag "qs-backup=$QS_BACKUP_ID" --target ${RESTORE_DIR} >&2`,
    `cd ${RESTORE_DIR}${DATA_DIR}`,
    // An app whose volumes hold no file has an empty manifest, which sha256sum -c refuses.
    `if [ -s ${RESTORE_DIR}${META_DIR}/manifest.sha256 ] && ! sha256sum -c ${RESTORE_DIR}${META_DIR}/manifest.sha256 > /tmp/check 2>&1; then`,
    `  { echo "checksum mismatch:"; grep -v ': OK$' /tmp/check | head -n 20; } > /dev/termination-log`,
    "  exit 1",
    "fi",
    `echo "{\\"files\\":$(wc -l < ${RESTORE_DIR}${META_DIR}/manifest.sha256)}" > /dev/termination-log`,
  ].join("\n");
}

/** Opens (or creates) the repository: proves the endpoint, keys and bucket work. */
export function checkScript(): string {
  return `${preamble}\necho ok > /dev/termination-log`;
}
