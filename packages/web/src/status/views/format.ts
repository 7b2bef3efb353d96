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

// Condition types whose True is the trouble (Kubernetes "abnormal-true" polarity:
// Degraded, node MemoryPressure …); for these False is the healthy value.
const ABNORMAL_TRUE = /^(degraded|failed|failing|stalled|networkunavailable|replicafailure|.*pressure)$/i;

/**
 * CSS class for one condition, by the healthy value of its type: Ready/Available True is
 * ok, Degraded False is ok, Progressing True is in-flight (warn) and False at rest (ok),
 * Unknown is a warning. Only a condition in its unhealthy state is red.
 */
export function conditionClass(type: string, status: string): "ok" | "warn" | "bad" {
  if (status !== "True" && status !== "False") return "warn";
  const isTrue = status === "True";
  if (/^progressing$/i.test(type)) return isTrue ? "warn" : "ok";
  if (ABNORMAL_TRUE.test(type)) return isTrue ? "bad" : "ok";
  return isTrue ? "ok" : "bad";
}
