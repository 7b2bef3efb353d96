import { LimitExceededError, ValidationError } from "../errors.ts";
import { isProcessType } from "../procfile.ts";

/** One term of Heroku's scale grammar: `web=2`, `worker+1`, `web-1`. */
export interface ScaleChange {
  readonly process: string;
  readonly op: "=" | "+" | "-";
  readonly amount: number;
}

/** TYPE-N: the operator is the last '-', since types may contain '-'. */
const MINUS_TERM = /^(.+)-(\d+)$/;

/**
 * Splits a term at its operator. `=` and `+` never occur in a process type, so the first
 * one splits (`web=-1` is web, =, "-1", not the type "web=" minus 1).
 */
function splitTerm(arg: string): { process: string; op: ScaleChange["op"]; count: string } | undefined {
  for (const op of ["=", "+"] as const) {
    const at = arg.indexOf(op);
    if (at >= 0) return { process: arg.slice(0, at), op, count: arg.slice(at + 1) };
  }
  const minus = MINUS_TERM.exec(arg);
  return minus === null ? undefined : { process: minus[1] ?? "", op: "-", count: minus[2] ?? "" };
}

/** Parses scale terms; each process type at most once. */
export function parseScaleArgs(args: readonly string[]): ScaleChange[] {
  if (args.length === 0) throw new ValidationError("INVALID_SCALE", "no scale terms given");
  const hint = "write TYPE=N, TYPE+N or TYPE-N, e.g. web=2 worker+1";
  const seen = new Set<string>();
  return args.map((arg) => {
    const term = splitTerm(arg);
    if (term === undefined || term.process === "") {
      throw new ValidationError("INVALID_SCALE", `${JSON.stringify(arg.slice(0, 40))} is not a scale term`, { hint });
    }
    if (!/^\d+$/.test(term.count)) {
      throw new ValidationError(
        "INVALID_SCALE",
        `${JSON.stringify(arg.slice(0, 40))} is not a scale term: the count must be a whole number ≥ 0`,
        { hint: "e.g. web=0 stops the web processes, web=2 runs two, worker+1 adds one" },
      );
    }
    const { process, op, count: digits } = term;
    if (!isProcessType(process)) {
      throw new ValidationError("INVALID_SCALE", `process type ${JSON.stringify(process.slice(0, 40))} is not valid`, { hint });
    }
    // Six digits is far above any limit; longer numbers are typos, not intentions.
    if (digits.length > 6) {
      throw new ValidationError("INVALID_SCALE", `${JSON.stringify(arg.slice(0, 40))}: the number is too large`, { hint });
    }
    if (seen.has(process)) {
      throw new ValidationError("INVALID_SCALE", `process type "${process}" is given twice`, { hint });
    }
    seen.add(process);
    return { process, op, amount: Number(digits) };
  });
}

/**
 * Applies scale changes to the current replica counts and returns the new counts of the
 * types that changed. Unknown process types and results outside 0…maxScale are refused.
 */
export function applyScale(
  changes: readonly ScaleChange[],
  current: Readonly<Record<string, number>>,
  known: readonly string[],
  maxScale: number,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const change of changes) {
    if (!known.includes(change.process)) {
      throw new ValidationError("UNKNOWN_PROCESS_TYPE", `process type "${change.process}" is not defined`, {
        hint:
          known.length === 0
            ? "push the app first; its Procfile defines the process types"
            : `known process types: ${known.join(", ")}`,
      });
    }
    const now = current[change.process] ?? 0;
    const next =
      change.op === "=" ? change.amount : change.op === "+" ? now + change.amount : now - change.amount;
    if (next < 0) {
      throw new ValidationError("INVALID_SCALE", `${change.process} would have ${next} replicas (it has ${now})`, {
        hint: "the smallest scale is 0",
      });
    }
    if (next > maxScale) {
      throw new LimitExceededError("SCALE_LIMIT", `${change.process}=${next} is above the limit of ${maxScale}`, {
        hint: "ask an admin to raise QS_MAX_SCALE, or add nodes",
      });
    }
    result[change.process] = next;
  }
  return result;
}
