import { type CheckResult, type Doctor, type HealthCheck, runChecks } from "@qs/core";

/** Options of createDoctor. */
export interface DoctorOptions {
  readonly checks: readonly HealthCheck[];
  /** Per-check timeout. @defaultValue CHECK_TIMEOUT_MS (10 s) */
  readonly timeoutMs?: number;
}

/** The installation's doctor: runs every check, each bounded by a timeout. */
export function createDoctor(options: DoctorOptions): Doctor {
  return {
    run: (signal?: AbortSignal): Promise<CheckResult[]> =>
      runChecks(options.checks, { ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(signal === undefined ? {} : { signal }) }),
  };
}
