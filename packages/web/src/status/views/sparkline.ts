import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** Size of a sparkline in CSS pixels. */
export interface SparklineSize {
  /** @defaultValue 120 */
  readonly width?: number;
  /** @defaultValue 24 */
  readonly height?: number;
  /** Values are averaged into at most this many points (keeps pages small). @defaultValue 30 */
  readonly points?: number;
}

/** Averages values into at most `points` buckets, preserving order. */
export function downsample(values: readonly number[], points: number): number[] {
  if (values.length <= points) return [...values];
  const out: number[] = [];
  for (let i = 0; i < points; i++) {
    const from = Math.floor((i * values.length) / points);
    const to = Math.floor(((i + 1) * values.length) / points);
    let sum = 0;
    for (let j = from; j < to; j++) sum += values[j] ?? 0;
    out.push(sum / Math.max(1, to - from));
  }
  return out;
}

/** The `points` attribute of a polyline drawing values bottom-up in a width×height box. */
export function buildSparklinePoints(values: readonly number[], size: SparklineSize = {}): string {
  const width = size.width ?? 120;
  const height = size.height ?? 24;
  const data = downsample(values, size.points ?? 30);
  if (data.length === 0) return "";
  const max = Math.max(...data);
  const min = Math.min(0, ...data);
  const span = max - min || 1;
  const step = data.length > 1 ? width / (data.length - 1) : 0;
  return data
    .map((v, i) => {
      const x = data.length > 1 ? i * step : width / 2;
      // 1 px margin so a flat line at the top or bottom stays visible.
      const y = height - 1 - ((v - min) / span) * (height - 2);
      // Whole pixels: finer coordinates cost bytes and show nothing more at this size.
      return `${Math.round(x)},${Math.round(y)}`;
    })
    .join(" ");
}

/** An inline SVG sparkline with an accessible label; empty text when there is no data. */
export function sparkline(
  values: readonly number[],
  label: string,
  size: SparklineSize = {},
): HtmlEscapedString | Promise<HtmlEscapedString> | string {
  if (values.length < 2) return "";
  const width = size.width ?? 120;
  const height = size.height ?? 24;
  return html`<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}"><polyline points="${buildSparklinePoints(values, size)}" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>`;
}
