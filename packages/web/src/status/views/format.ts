/** `250m` below one core, `1.25 cores` above (Kubernetes CPU units). */
export function formatCpu(millicores: number | undefined): string {
  if (millicores === undefined) return "–";
  if (millicores < 1000) return `${Math.round(millicores)}m`;
  return `${(millicores / 1000).toFixed(2)} cores`;
}

/** Binary units, one decimal: `512 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** CSS class for a status word: ok, warn or bad. */
export function statusClass(status: string): "ok" | "warn" | "bad" {
  const s = status.toLowerCase();
  if (/^(running|ready|true|succeeded|active)/.test(s)) return "ok";
  if (/(fail|crash|error|notready|backoff|false)/.test(s)) return "bad";
  return "warn";
}
