import { ValidationError } from "../errors.ts";

/**
 * The Kubernetes quantity grammar (k8s.io/apimachinery resource.Quantity), restricted to
 * non-negative plain numbers with a binary (Ki…Ei), decimal (m, k, M, G, T, P, E) or
 * exponent suffix.
 */
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const FACTORS: Readonly<Record<string, number>> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** What a quantity measures; each kind has sensible bounds. */
export type QuantityKind = "cpu" | "memory" | "storage";

const BOUNDS: Readonly<Record<QuantityKind, { min: number; max: number; example: string; range: string }>> = {
  // 1m is the smallest CPU unit Kubernetes accepts; 256 cores is more than any node here.
  cpu: { min: 1e-3, max: 256, example: "500m or 2", range: "1m … 256" },
  // Below 4 MiB no container starts; 1 TiB is beyond any VPS.
  memory: { min: 4 * 2 ** 20, max: 2 ** 40, example: "512Mi or 2Gi", range: "4Mi … 1Ti" },
  storage: { min: 2 ** 20, max: 64 * 2 ** 40, example: "1Gi or 500Mi", range: "1Mi … 64Ti" },
};

/** The numeric value of a quantity in base units (cores or bytes); NaN when malformed. */
export function quantityValue(input: string): number {
  const match = QUANTITY.exec(input);
  if (match === null) return Number.NaN;
  const number = Number(match[1]);
  const suffix = match[3] ?? "";
  if (/^[eE]/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
  return number * (FACTORS[suffix] ?? Number.NaN);
}

/** Validates a Kubernetes quantity for `kind` and returns it unchanged. */
export function parseQuantity(input: string, kind: QuantityKind): string {
  const bounds = BOUNDS[kind];
  const hint = `write it as a Kubernetes quantity, e.g. ${bounds.example}`;
  if (input.length === 0 || input.length > 32 || !QUANTITY.test(input)) {
    throw new ValidationError("INVALID_QUANTITY", `${kind} ${JSON.stringify(input.slice(0, 32))} is not a quantity`, { hint });
  }
  const value = quantityValue(input);
  if (kind !== "cpu" && /m$/.test(input)) {
    throw new ValidationError("INVALID_QUANTITY", `${kind} "${input}" is in milli-bytes`, {
      hint: `use Mi for mebibytes, e.g. ${bounds.example}`,
    });
  }
  if (!Number.isFinite(value) || value < bounds.min || value > bounds.max) {
    throw new ValidationError("INVALID_QUANTITY", `${kind} "${input}" is outside ${bounds.range}`, { hint });
  }
  return input;
}
