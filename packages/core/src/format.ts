/**
 * Heroku-style output, as users know it from `git push heroku main`: `-----> ` starts a
 * step, 7 spaces indent its detail, `=====> ` announces the result, `!     ` an error.
 * Pure string builders; git prefixes each line with `remote: ` on the client.
 */

/** `-----> text`: a step starts. */
export function step(text: string): string {
  return `-----> ${text}`;
}

/** 7-space indented detail under a step (same column as the step's text). */
export function detail(text: string): string {
  return `       ${text}`;
}

/** `=====> text`: the outcome (e.g. `Released v7`). */
export function result(text: string): string {
  return `=====> ${text}`;
}

/** `!     text`: an error line. */
export function errorLine(text: string): string {
  return `!     ${text}`;
}

/** Error lines: the reason, then optionally what to do next, each prefixed with `!     `. */
export function errorLines(reason: string, hint?: string): string[] {
  const lines = reason.split("\n").map(errorLine);
  if (hint !== undefined) lines.push(errorLine(hint));
  return lines;
}

/** A short duration for humans: `0.4 s`, `40 s`, `3 min 5 s`, `2 h 1 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${(Math.round(s * 10) / 10).toString()} s`;
  if (s < 60) return `${Math.round(s).toString()} s`;
  const totalS = Math.round(s);
  const h = Math.floor(totalS / 3600);
  const min = Math.floor((totalS % 3600) / 60);
  const sec = totalS % 60;
  if (h > 0) return `${h.toString()} h ${min.toString()} min`;
  return sec === 0 ? `${min.toString()} min` : `${min.toString()} min ${sec.toString()} s`;
}

/** A byte count in binary units: `512 B`, `1.5 KiB`, `50 MiB`, `1 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = value >= 10 || unit === 0 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded.toString()} ${units[unit] ?? "B"}`;
}

/** The short form of a commit sha used in output (7 characters, like git). */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
