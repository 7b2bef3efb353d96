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

/** Kaniko's line for a finished push: `Pushed <repository>@sha256:…` (logrus, maybe coloured). */
const KANIKO_PUSHED = /(?:^|\s)Pushed (\S+)@(sha256:[a-f0-9]{64})\s*$/;

/**
 * Reads Kaniko's log for the push of `destination` (`host/repo:tag`): the digest, or
 * undefined for any other line, cache layers' pushes (`host/repo/cache@…`) included. Kaniko
 * prints it once the registry took the manifest, and exits next.
 */
export function kanikoPushedDigest(destination: string): (line: string) => string | undefined {
  const repository = destination.replace(/:[^:/]+$/, "");
  return (line) => {
    const m = KANIKO_PUSHED.exec(line);
    return m?.[1] === repository ? m[2] : undefined;
  };
}
