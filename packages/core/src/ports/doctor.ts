/**
 * `doctor`: health checks an operator can act on. Each check answers with a status, one
 * line saying what it found and, when something is wrong, one concrete fix. The same
 * results feed `ssh qs doctor` and the status page's health section.
 */

/** ok: nothing to do; warn: works now but needs attention; fail: something is broken. */
export type CheckStatus = "ok" | "warn" | "fail";

/** What one check found. */
export interface CheckOutcome {
  readonly status: CheckStatus;
  /** One line: what was found, e.g. "node qs-1 is NotReady (KubeletNotReady)". */
  readonly finding: string;
  /** One concrete step that fixes it; absent when status is ok. */
  readonly fix?: string;
}

/** A check's outcome with its identity, as `doctor --json` prints it. */
export interface CheckResult extends CheckOutcome {
  /** Stable id, e.g. `nodes`, `registry`, `certificates`. */
  readonly id: string;
  readonly title: string;
}

/** One health check. */
export interface HealthCheck {
  readonly id: string;
  readonly title: string;
  run(signal: AbortSignal): Promise<CheckOutcome>;
}

/** Runs the installation's checks. */
export interface Doctor {
  run(signal?: AbortSignal): Promise<readonly CheckResult[]>;
}

/** How long one check may take before it counts as failed. @defaultValue 10000 */
export const CHECK_TIMEOUT_MS = 10_000;

/**
 * Runs checks concurrently. A check that throws or outlives its timeout is a `fail` naming
 * the error: a doctor that crashes on the broken thing it should report helps nobody.
 */
export async function runChecks(checks: readonly HealthCheck[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  return Promise.all(
    checks.map(async (check): Promise<CheckResult> => {
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<CheckOutcome>((resolve) => {
        timer = setTimeout(() => {
          // Settle first: the abort makes the check reject, and that must not win the race.
          resolve({ status: "fail", finding: `the check did not answer within ${timeoutMs / 1000} s`, fix: "see whether the component it checks hangs; run doctor again" });
          controller.abort();
        }, timeoutMs);
      });
      try {
        const outcome = await Promise.race([check.run(controller.signal), timeout]);
        return { id: check.id, title: check.title, ...outcome };
      } catch (err) {
        return {
          id: check.id,
          title: check.title,
          status: "fail",
          finding: `the check itself failed: ${err instanceof Error ? err.message : String(err)}`,
          fix: "fix what the error names, then run doctor again",
        };
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      }
    }),
  );
}

/** The worst status of a set of results (ok when empty). */
export function worstStatus(results: readonly { status: CheckStatus }[]): CheckStatus {
  if (results.some((r) => r.status === "fail")) return "fail";
  return results.some((r) => r.status === "warn") ? "warn" : "ok";
}
