/**
 * Heroku-style names for an app's pods: `web.1`, `web.2`, `worker.1`. Each pod keeps its
 * index for as long as it lives; a pod that appears takes the smallest free index of its
 * process type, so during a rollout the replacement of `web.1` usually becomes `web.1`
 * again once the old pod is gone (or `web.2` while both exist).
 */
export class SourceNamer {
  readonly #byPod = new Map<string, { process: string; index: number }>();
  readonly #used = new Map<string, Set<number>>();

  /** The name of a pod, assigning the smallest free index the first time. */
  name(pod: string, process: string): string {
    const known = this.#byPod.get(pod);
    if (known !== undefined) return `${known.process}.${known.index}`;
    const used = this.#used.get(process) ?? new Set<number>();
    this.#used.set(process, used);
    let index = 1;
    while (used.has(index)) index++;
    used.add(index);
    this.#byPod.set(pod, { process, index });
    return `${process}.${index}`;
  }

  /** Frees the pod's index (the pod is gone). */
  forget(pod: string): void {
    const known = this.#byPod.get(pod);
    if (known === undefined) return;
    this.#byPod.delete(pod);
    this.#used.get(known.process)?.delete(known.index);
  }
}

/** Pods ordered oldest first, then by name, so indices follow age. */
export function byAge<T extends { metadata?: { name?: string; creationTimestamp?: string } }>(pods: readonly T[]): T[] {
  const time = (p: T): number => {
    const t = Date.parse(p.metadata?.creationTimestamp ?? "");
    return Number.isNaN(t) ? 0 : t;
  };
  return [...pods].sort((a, b) => time(a) - time(b) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
}
