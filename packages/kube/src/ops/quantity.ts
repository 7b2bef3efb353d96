/** Kubernetes quantity suffixes (apimachinery resource.Quantity): decimal SI and binary. */
const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
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

/** The numeric value of a quantity (`250m` → 0.25, `1Gi` → 1073741824); NaN when malformed. */
export function quantityValue(quantity: string): number {
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  if (m === null) return Number.NaN;
  const [, num = "", suffix = ""] = m;
  // `1e3` is an exponent, not the suffix "e3"; the regex above already took it into num.
  const factor = SUFFIX[suffix];
  return factor === undefined ? Number.NaN : Number(num) * factor;
}

/** CPU quantity in millicores (`1` → 1000, `12345678n` → 12.3…); undefined when malformed. */
export function cpuMillicores(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const v = quantityValue(quantity);
  return Number.isNaN(v) ? undefined : v * 1000;
}

/** Memory quantity in bytes; undefined when malformed. */
export function memoryBytes(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const v = quantityValue(quantity);
  return Number.isNaN(v) ? undefined : Math.round(v);
}
