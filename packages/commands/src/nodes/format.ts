import { formatBytes as coreFormatBytes } from "@qs/core";

/** `250m` below one core, `1.5` cores above. */
export function formatCpu(millicores: number): string {
  if (millicores < 1000) return `${Math.round(millicores)}m`;
  return `${Math.round(millicores / 100) / 10}`;
}

/** Bytes in binary units (core's formatBytes). */
export function formatBytes(bytes: number): string {
  return coreFormatBytes(bytes);
}

/** `45s`, `12m`, `3h`, `5d` — the largest unit, as kubectl prints ages. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
