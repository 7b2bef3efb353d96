import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Store } from "./store.ts";
import type { KubeObject } from "./types.ts";

// Dev mode keeps the double's objects across restarts in one JSON file, as a real cluster
// keeps them in etcd. What only the simulation makes is left out and made again: nodes
// (from the options), pods (the controllers recreate them from their owners; a simulated
// container's run cannot be resumed) and events.

/** Type keys (group/resource) never written to the state file. */
const TRANSIENT = new Set(["/nodes", "/pods", "/events", "events.k8s.io/events"]);

/** Snapshot format version; a file with another one is refused rather than misread. */
const FORMAT = 1;

interface Snapshot {
  format: number;
  resourceVersion: number;
  objects: { key: string; object: KubeObject }[];
}

/** A store's link to its state file. */
export interface StateFile {
  /** Writes pending changes now (on close). */
  flush(): void;
  /** Stops following the store after a last flush. */
  close(): void;
}

/** A snapshot as read from a state file. */
export interface StateSnapshot {
  readonly resourceVersion: number;
  readonly objects: readonly { key: string; object: KubeObject }[];
}

/**
 * Reads a state file (undefined when there is none yet). Read before anything starts, so a
 * file it cannot use stops the start with a message saying what to do.
 */
export function readStateFile(path: string): StateSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(text) as Snapshot;
  } catch (err) {
    throw new Error(`the kube-double state file ${path} is not valid JSON (${(err as Error).message}): move it aside, or start dev mode with --fresh`, { cause: err });
  }
  if (snapshot.format !== FORMAT || !Array.isArray(snapshot.objects) || typeof snapshot.resourceVersion !== "number") {
    throw new Error(`the kube-double state file ${path} is not in format ${FORMAT}: move it aside, or start dev mode with --fresh`);
  }
  return { resourceVersion: snapshot.resourceVersion, objects: snapshot.objects.filter((o) => !TRANSIENT.has(o.key)) };
}

/**
 * Writes the store to `path` after every change (debounced by `debounceMs`) and on flush.
 * Writes go to a temporary file renamed over the old one, so a crash leaves either the old
 * or the new snapshot, never half of one. Mode 0600: it holds the cluster's Secrets.
 */
export function followStateFile(store: Store, path: string, debounceMs = 200): StateFile {
  mkdirSync(dirname(path), { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    const snapshot: Snapshot = {
      format: FORMAT,
      resourceVersion: store.rv,
      objects: store.dump().filter((o) => !TRANSIENT.has(o.key)),
    };
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(snapshot), { mode: 0o600 });
    renameSync(temp, path);
  };
  const unsubscribe = store.subscribe((e) => {
    if (TRANSIENT.has(e.key)) return;
    dirty = true;
    timer ??= setTimeout(flush, debounceMs);
  });
  return {
    flush,
    close() {
      unsubscribe();
      // Always record the last resourceVersion (pod churn alone does not mark the file dirty).
      dirty = true;
      flush();
    },
  };
}
