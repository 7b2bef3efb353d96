import type { BuildEngine } from "@qs/core";

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The image digest from a builder's termination message: Kaniko writes the bare digest,
 * BuildKit its metadata JSON (`containerimage.digest`). Undefined when absent.
 */
export function parseBuilderDigest(
  engine: BuildEngine,
  message: string | undefined,
): string | undefined {
  if (message === undefined) return undefined;
  const text = message.trim();
  if (engine === "kaniko") return DIGEST.test(text) ? text : undefined;
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)["containerimage.digest"];
    return typeof value === "string" && DIGEST.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
