/**
 * Just enough of npm's semver ranges to pick a Node major from `engines.node`:
 * `||` alternatives of space-separated comparators (`>=`, `>`, `<=`, `<`, `=`, `^`, `~`,
 * `x`-ranges and partial versions). Pre-release tags are ignored.
 */
type Version = readonly [number, number, number];

/** True when `version` (x.y.z) satisfies `range`; unparseable ranges satisfy nothing. */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  if (v === undefined) return false;
  const trimmed = range.trim();
  if (trimmed === "" || trimmed === "*" || trimmed === "x") return true;
  return trimmed.split("||").some((alt) => {
    const parts = alt
      .trim()
      .replace(/([<>=^~]+)\s+/g, "$1")
      .split(/\s+/);
    // Hyphen ranges: "1.2 - 2.3".
    if (parts.length === 3 && parts[1] === "-") {
      return check(v, `>=${parts[0] ?? ""}`) && check(v, `<=${parts[2] ?? ""}`);
    }
    return parts.every((c) => check(v, c));
  });
}

function check(v: Version, comparator: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?v?(\*|x|\d+)(?:\.(\*|x|\d+))?(?:\.(\*|x|\d+))?(?:-[\w.]+)?$/i.exec(
    comparator,
  );
  if (m === null) return false;
  const op = m[1] ?? "=";
  const nums = [m[2], m[3], m[4]].map((p) =>
    p === undefined || p === "*" || p.toLowerCase() === "x" ? undefined : Number(p),
  );
  const given = nums.findIndex((n) => n === undefined);
  const precision = given === -1 ? 3 : given;
  if (precision === 0) return op !== "<" && op !== ">";
  const base: Version = [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0];
  // The exclusive upper bound of a partial version: 20 → 21.0.0, 20.1 → 20.2.0.
  const next = (p: number): Version =>
    p === 1
      ? [base[0] + 1, 0, 0]
      : p === 2
        ? [base[0], base[1] + 1, 0]
        : [base[0], base[1], base[2] + 1];
  switch (op) {
    case ">=":
      return cmp(v, base) >= 0;
    case ">":
      return cmp(v, next(precision)) >= 0;
    case "<=":
      return cmp(v, next(precision)) < 0;
    case "<":
      return cmp(v, base) < 0;
    case "^": {
      const upper: Version =
        base[0] > 0 || precision === 1
          ? [base[0] + 1, 0, 0]
          : base[1] > 0 || precision === 2
            ? [0, base[1] + 1, 0]
            : [0, 0, base[2] + 1];
      return cmp(v, base) >= 0 && cmp(v, upper) < 0;
    }
    case "~":
      return cmp(v, base) >= 0 && cmp(v, next(Math.min(precision, 2))) < 0;
    default:
      return cmp(v, base) >= 0 && cmp(v, next(precision)) < 0;
  }
}

function parse(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}
