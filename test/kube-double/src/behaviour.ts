import type { KubeObject } from "./types.ts";

// What a simulated container does. Tests script it per image (KubeDouble.script) or per pod
// with the annotation below; unscripted containers run forever and are ready at once, except
// init containers and containers of Job pods, which exit 0 after timings.jobContainerMs.

/** Pod annotation holding a JSON ContainerScript, or { "<container>": ContainerScript }. */
export const SCRIPT_ANNOTATION = "kube-double.quickstack.dev/script";

/** One log line, optionally after a delay (ms after the previous line) and on stderr. */
export type LogLine = string | { line: string; afterMs?: number; stream?: "stdout" | "stderr" };

/** The behaviour of one container run (restarts may differ: see `attempts`). */
export interface ContainerScript {
  /** Lines written after start. */
  logs?: LogLine[];
  /** Exit this many ms after start (after the last log line at the earliest). Unset: run until stopped. */
  exitAfterMs?: number;
  /** Exit code when it exits. @defaultValue 0 */
  exitCode?: number;
  /** Written to status as terminated.message (terminationMessagePath). */
  terminationMessage?: string;
  /** Ready this many ms after start; false = never ready. @defaultValue 0 */
  readyAfterMs?: number | false;
  /** The image cannot be pulled: ErrImagePull, then ImagePullBackOff, forever. */
  imagePullError?: boolean;
  /** Per-run overrides by restart count: attempts[0] is the first run, the last one repeats. */
  attempts?: Omit<ContainerScript, "attempts">[];
  /** Usage reported by metrics.k8s.io. @defaultValue 5 (millicores) / 32 MiB */
  cpuMillicores?: number;
  memoryBytes?: number;
}

/** Pairs an image matcher with a script; first match wins. */
export interface ImageScript {
  /** Exact image, image without tag, or a RegExp over the full image reference. */
  image: string | RegExp;
  script: ContainerScript;
}

function imageMatches(m: string | RegExp, image: string): boolean {
  if (typeof m !== "string") return m.test(image);
  if (m === image) return true;
  const bare = image.replace(/@sha256:[0-9a-f]+$/, "").replace(/:[^:/]+$/, "");
  return m === bare;
}

/** The script for container `name` of `pod` at restart `restartCount`. */
export function scriptFor(pod: KubeObject, name: string, image: string, restartCount: number, images: ImageScript[]): ContainerScript | undefined {
  let script: ContainerScript | undefined;
  const raw = pod.metadata.annotations?.[SCRIPT_ANNOTATION];
  if (raw) {
    try {
      const parsed = JSON.parse(raw) as ContainerScript | Record<string, ContainerScript>;
      const perContainer = (parsed as Record<string, ContainerScript>)[name];
      script = perContainer && typeof perContainer === "object" && !Array.isArray(perContainer) ? perContainer : (parsed);
    } catch {
      script = undefined;
    }
  }
  script ??= images.find((s) => imageMatches(s.image, image))?.script;
  if (!script?.attempts || script.attempts.length === 0) return script;
  const attempt = script.attempts[Math.min(restartCount, script.attempts.length - 1)]!;
  return { ...script, ...attempt };
}
