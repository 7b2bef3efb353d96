import { escapeControls, type OutputSink } from "@qs/core";
import type { CommandResult } from "./command.ts";

/**
 * Aligns rows into columns (two spaces apart), with an upper-case header row. A cell is
 * one line: newlines and tabs in it are escaped so a value cannot fake a row.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header.map((h) => h.toUpperCase()), ...rows.map((r) => r.map(oneLine))];
  const widths = header.map((_, col) => Math.max(...all.map((r) => (r[col] ?? "").length)));
  return all
    .map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0))).join("  ").trimEnd())
    .join("\n");
}

/** `key: value` lines with the values aligned; a value is one line (see table). */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${oneLine(k)}:`.padEnd(width + 2)}${oneLine(v)}`).join("\n");
}

function oneLine(cell: string): string {
  return escapeControls(cell, { oneLine: true });
}

/**
 * A config value as shown after set: never in full. Long values keep their first four
 * characters (enough to tell `postgres://` from `redis://`), short ones show nothing.
 */
export function maskValue(value: string): string {
  if (value.length === 0) return "(empty)";
  const head = value.length >= 16 ? value.slice(0, 4) : "";
  return `${head}****  (${value.length} ${value.length === 1 ? "char" : "chars"})`;
}

/** A result with text and JSON. */
export function result(json: unknown, text: string): CommandResult {
  return { json, text };
}

/** An OutputSink that writes each line to a stream as it comes. */
export function lineSink(stream: NodeJS.WritableStream): OutputSink {
  return { line: (text) => void stream.write(`${text}\n`) };
}
