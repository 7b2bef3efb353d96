import { type BackupHealth, type BackupRecord, type BackupService, UnavailableError, formatBytes } from "@qs/core";
import type { CommandContext } from "../command.ts";

/** The backup service, or a clear error when this control plane has none. */
export function backupService(ctx: CommandContext): BackupService {
  const service = ctx.services.backups;
  if (service === undefined) {
    throw new UnavailableError("BACKUPS_UNAVAILABLE", "backups are not available on this control plane", {
      hint: "the control plane needs a Kubernetes connection and a restic image (QS_BACKUP_IMAGE)",
    });
  }
  return service;
}

/** One line about a backup run: size, duration, status and why it failed. */
export function describeBackup(r: BackupRecord): string {
  const parts = [`${r.id}: ${r.status}`];
  if (r.sizeBytes !== undefined) parts.push(`${formatBytes(r.sizeBytes)} read, ${formatBytes(r.addedBytes ?? 0)} new`);
  if (r.durationSeconds !== undefined) parts.push(`${r.durationSeconds} s`);
  if (r.reason !== undefined) parts.push(`reason: ${r.reason}`);
  if (r.pruneSkipped !== undefined) parts.push(`old backups not pruned this time (the next run prunes): ${r.pruneSkipped}`);
  return parts.join(", ");
}

/** The backups line of apps:info: FAILED and MISSED in capitals, as a warning should be. */
export function describeBackupHealth(h: BackupHealth): string {
  const label = h.status === "failed" ? "FAILED: " : h.status === "missed" ? "MISSED: " : h.status === "incomplete" ? "INCOMPLETE: " : "";
  const schedule = h.schedule === undefined ? "" : ` (schedule "${h.schedule}" UTC)`;
  return `${label}${h.finding}${h.status === "none" ? "" : schedule}`;
}
