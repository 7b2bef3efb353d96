import type { BackupRetention } from "@qs/core";
import { DRILL_REPORT, DUMP_DIR } from "./addon-dumps.ts";

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

/**
 * Writes the checksum manifests (volume files, dump files), backs up /data, /meta and the
 * add-on dumps in /dump tagged with the run's id, then prunes. Folders that a run lacks (no
 * volume, no add-on) are left out rather than failing restic.
 */
export function backupScript(app: string, retention: BackupRetention): string {
  const forget = forgetFlags(retention);
  return [
    preamble,
    // Plain find -exec and sha256sum -c: the same in Debian's coreutils and the upstream
    // image's busybox (Alpine).
    `mkdir -p ${META_DIR} && : > ${META_DIR}/manifest.sha256 && : > ${META_DIR}/dump.sha256`,
    `paths=${META_DIR}`,
    `if [ -d ${DATA_DIR} ]; then (cd ${DATA_DIR} && find . -type f -exec sha256sum {} + > ${META_DIR}/manifest.sha256); paths="${DATA_DIR} $paths"; fi`,
    `if [ -d ${DUMP_DIR} ]; then (cd ${DUMP_DIR} && find . -type f -exec sha256sum {} + > ${META_DIR}/dump.sha256); paths="$paths ${DUMP_DIR}"; fi`,
    `restic backup --json --host qs --tag qs-app=${app} --tag "qs-backup=$QS_BACKUP_ID" $paths > /tmp/backup.json 2> /tmp/backup.err &`,
    ...storageWatchdog("/tmp/backup.err"),
    `grep '"message_type":"summary"' /tmp/backup.json | tail -n 1 > /dev/termination-log`,
    ...(forget === "" ? [] : pruneStep(app, retention)),
  ].join("\n");
}

/** The key of the termination message's second line when the prune could not run. */
export const PRUNE_SKIPPED = "qs_prune_skipped";

/**
 * The prune after a saved snapshot. Its failure does not fail the run (the snapshot is saved):
 * a lock left by a run that was cut off (restic counts another pod's lock stale only after 30
 * minutes) or a storage hiccup only puts the prune off to the next run, and the run's record
 * says so on a second termination line. Locks restic already counts stale are removed first.
 */
export function pruneStep(app: string, retention: BackupRetention): string[] {
  return [
    "restic unlock >/dev/null 2>&1 || true",
    `if ! ${forgetCommand(app, retention).replace(" >&2", "")} > /tmp/forget.out 2>&1; then`,
    "  cat /tmp/forget.out >&2",
    `  why=$(grep -m 1 -iE 'locked|error|fatal' /tmp/forget.out | tr -d '"\\' | cut -c 1-300)`,
    `  printf '\n{"${PRUNE_SKIPPED}":"%s"}' "\${why:-restic forget failed}" >> /dev/termination-log`,
    "else cat /tmp/forget.out >&2; fi",
  ];
}

/** Env var: seconds the storage may keep failing before a backup is stopped. */
export const STORAGE_TIMEOUT_ENV = "QS_STORAGE_TIMEOUT";

/**
 * Waits for the restic started just before (`$!`), watching its stderr. restic retries a
 * failing storage for up to 15 minutes per request; when it has kept retrying for
 * $QS_STORAGE_TIMEOUT seconds (no quiet spell of 2 minutes between), the run is stopped
 * (INT, then KILL) and fails saying the storage went away. An interrupted backup writes no
 * snapshot (restic saves it last), so earlier backups stay as they were.
 */
function storageWatchdog(err: string): string[] {
  return [
    "pid=$!; t0=0; seen=0; last=0; stopped=0",
    'while kill -0 "$pid" 2>/dev/null; do',
    "  sleep 2",
    `  n=$(grep -c 'returned error, retrying' ${err} || true); now=$(date +%s)`,
    '  if [ "$n" -gt "$seen" ]; then seen=$n; last=$now; [ "$t0" -gt 0 ] || t0=$now; elif [ "$t0" -gt 0 ] && [ $((now - last)) -ge 120 ]; then t0=0; fi',
    `  if [ "$stopped" = 0 ] && [ "$t0" -gt 0 ] && [ $((now - t0)) -ge "\${${STORAGE_TIMEOUT_ENV}:-600}" ]; then`,
    '    stopped=$now; kill -INT "$pid" 2>/dev/null || true',
    '  elif [ "$stopped" != 0 ] && [ $((now - stopped)) -ge 10 ]; then',
    '    kill -KILL "$pid" 2>/dev/null || true',
    "  fi",
    "done",
    `status=0; wait "$pid" || status=$?; cat ${err} >&2`,
    'if [ "$stopped" != 0 ]; then',
    `  { echo "the backup storage stopped answering for \${${STORAGE_TIMEOUT_ENV}:-600} s; the run was stopped and wrote no snapshot (earlier backups are untouched). restic said:"; grep 'returned error' ${err} | head -n 1; } > /dev/termination-log`,
    "  exit 1",
    "fi",
    `if [ "$status" != 0 ]; then tail -n 5 ${err} > /dev/termination-log; exit "$status"; fi`,
  ];
}

/**
 * The prune of a retention. Grouped by host only: the repository is the app's alone, and
 * restic's default grouping (host and paths) would keep a separate set of snapshots for
 * every change of volumes or add-ons, so old ones would never go.
 */
export function forgetCommand(app: string, retention: BackupRetention): string {
  return `restic forget --host qs --tag qs-app=${app} --group-by host ${forgetFlags(retention)} --prune >&2`;
}

/** Restores the volumes and dumps of snapshot-tag `qs-backup=$QS_BACKUP_ID` (dumps are then loaded by the next step). */
export function restoreScript(): string {
  return [
    "set -eu",
    `restic restore latest --tag "qs-backup=$QS_BACKUP_ID" --target / --include ${DATA_DIR} --include ${DUMP_DIR}`,
    `echo restored > /dev/termination-log`,
  ].join("\n");
}

/** Restores into an emptyDir and checks every volume and dump file against the backup's manifests. */
export function drillScript(): string {
  const check = (dir: string, manifest: string): string[] => [
    // An app whose volumes hold no file has an empty manifest, which sha256sum -c refuses.
    `if [ -s ${RESTORE_DIR}${META_DIR}/${manifest} ] && ! (cd ${RESTORE_DIR}${dir} && sha256sum -c ${RESTORE_DIR}${META_DIR}/${manifest}) > /tmp/check 2>&1; then`,
    `  { echo "checksum mismatch:"; grep -v ': OK$' /tmp/check | head -n 20; } > /dev/termination-log`,
    "  exit 1",
    "fi",
  ];
  const lines = (manifest: string): string => `$(cat ${RESTORE_DIR}${META_DIR}/${manifest} 2>/dev/null | wc -l)`;
  return [
    "set -eu",
    `restic restore latest --tag "qs-backup=$QS_BACKUP_ID" --target ${RESTORE_DIR} >&2`,
    ...check(DATA_DIR, "manifest.sha256"),
    ...check(DUMP_DIR, "dump.sha256"),
    `echo "{\\"files\\":$((${lines("manifest.sha256")} + ${lines("dump.sha256")}))}" > ${RESTORE_DIR}/${DRILL_REPORT}`,
    // The add-on verify steps after this one run as the database's user and append to it.
    `chmod a+w ${RESTORE_DIR}/${DRILL_REPORT}`,
    `cat ${RESTORE_DIR}/${DRILL_REPORT} > /dev/termination-log`,
  ].join("\n");
}

/** Opens (or creates) the repository: proves the endpoint, keys and bucket work. */
export function checkScript(): string {
  return `${preamble}\necho ok > /dev/termination-log`;
}
