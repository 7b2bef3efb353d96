import type { KubeObject, StoreEvent } from "./types.ts";

// The object store: objects indexed by type key → namespace → name, one global
// resourceVersion counter (as etcd's revision), and a bounded history of events so watches
// can resume from a resourceVersion (older than the history → 410 Gone).

/** Options for the store. */
export interface StoreOptions {
  /** Events kept for watch resumption. @defaultValue 20000 */
  historySize?: number;
}

type Listener = (event: StoreEvent) => void;

export class Store {
  private readonly data = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly history: StoreEvent[] = [];
  private readonly historySize: number;
  private readonly listeners = new Set<Listener>();
  private readonly uids = new Map<string, { key: string; ns: string; name: string }>();
  private revision = 0;
  /** Highest revision dropped from the history (watches from below it get 410). */
  private compacted = 0;

  constructor(options: StoreOptions = {}) {
    this.historySize = options.historySize ?? 20_000;
  }

  /** The current global resourceVersion. */
  get rv(): number {
    return this.revision;
  }

  /** Revision below which watch resumption answers 410 Gone. */
  get compactedRv(): number {
    return this.compacted;
  }

  get(key: string, namespace: string, name: string): KubeObject | undefined {
    return this.data.get(key)?.get(namespace)?.get(name);
  }

  /** Objects of one type, in one namespace or all (sorted by namespace, name). */
  list(key: string, namespace?: string): KubeObject[] {
    const byNs = this.data.get(key);
    if (!byNs) return [];
    const out: KubeObject[] = [];
    const spaces = namespace === undefined ? [...byNs.keys()].sort() : [namespace];
    for (const ns of spaces) {
      const names = byNs.get(ns);
      if (!names) continue;
      for (const name of [...names.keys()].sort()) out.push(names.get(name)!);
    }
    return out;
  }

  /** Where the object with this uid lives, if it exists. */
  byUid(uid: string): { key: string; ns: string; name: string } | undefined {
    return this.uids.get(uid);
  }

  /** Every type key that currently holds objects. */
  keys(): string[] {
    return [...this.data.keys()];
  }

  /** Writes an object (stamping the next resourceVersion) and emits ADDED or MODIFIED. */
  write(key: string, object: KubeObject): KubeObject {
    const ns = object.metadata.namespace ?? "";
    let byNs = this.data.get(key);
    if (!byNs) this.data.set(key, (byNs = new Map<string, Map<string, KubeObject>>()));
    let names = byNs.get(ns);
    if (!names) byNs.set(ns, (names = new Map<string, KubeObject>()));
    const old = names.get(object.metadata.name);
    this.revision += 1;
    object.metadata.resourceVersion = String(this.revision);
    names.set(object.metadata.name, object);
    this.uids.set(object.metadata.uid, { key, ns, name: object.metadata.name });
    this.emit({ type: old ? "MODIFIED" : "ADDED", key, rv: this.revision, object, old });
    return object;
  }

  /** Removes an object and emits DELETED with a fresh resourceVersion, as etcd does. */
  remove(key: string, namespace: string, name: string): KubeObject | undefined {
    const names = this.data.get(key)?.get(namespace);
    const old = names?.get(name);
    if (!names || !old) return undefined;
    names.delete(name);
    this.uids.delete(old.metadata.uid);
    if (names.size === 0) this.data.get(key)?.delete(namespace);
    this.revision += 1;
    const object = structuredClone(old);
    object.metadata.resourceVersion = String(this.revision);
    this.emit({ type: "DELETED", key, rv: this.revision, object, old });
    return object;
  }

  /** Events of one type after `rv`, or undefined when the history no longer reaches back. */
  since(key: string, rv: number): StoreEvent[] | undefined {
    if (rv < this.compacted) return undefined;
    const out: StoreEvent[] = [];
    // History is ordered by rv; scan from the end back to rv (cheap for recent resumes).
    let i = this.history.length;
    while (i > 0 && this.history[i - 1]!.rv > rv) i -= 1;
    for (; i < this.history.length; i += 1) {
      const e = this.history[i]!;
      if (e.key === key) out.push(e);
    }
    return out;
  }

  /** Every stored object with its type key, in resourceVersion order (for a snapshot). */
  dump(): { key: string; object: KubeObject }[] {
    const out: { key: string; object: KubeObject }[] = [];
    for (const [key, byNs] of this.data) {
      for (const names of byNs.values()) for (const object of names.values()) out.push({ key, object });
    }
    return out.sort((a, b) => Number(a.object.metadata.resourceVersion) - Number(b.object.metadata.resourceVersion));
  }

  /**
   * Puts back objects from a snapshot, keeping their resourceVersions, and tells every
   * subscriber about each as ADDED (so CRDs are served again and controllers resume). The
   * global revision continues from `revision`, so resourceVersions never go back; watches
   * from before the load answer 410, as after an etcd compaction.
   */
  load(objects: readonly { key: string; object: KubeObject }[], revision: number): void {
    const sorted = [...objects].sort((a, b) => Number(a.object.metadata.resourceVersion) - Number(b.object.metadata.resourceVersion));
    const highest = Number(sorted[sorted.length - 1]?.object.metadata.resourceVersion ?? 0);
    // Set first: a subscriber that writes while we replay gets a resourceVersion above all of them.
    this.revision = Math.max(this.revision, revision, highest);
    this.compacted = this.revision;
    for (const { key, object } of sorted) {
      const ns = object.metadata.namespace ?? "";
      let byNs = this.data.get(key);
      if (!byNs) this.data.set(key, (byNs = new Map<string, Map<string, KubeObject>>()));
      let names = byNs.get(ns);
      if (!names) byNs.set(ns, (names = new Map<string, KubeObject>()));
      names.set(object.metadata.name, object);
      this.uids.set(object.metadata.uid, { key, ns, name: object.metadata.name });
      const event: StoreEvent = { type: "ADDED", key, rv: Number(object.metadata.resourceVersion), object };
      for (const l of [...this.listeners]) l(event);
    }
  }

  /** Subscribes to every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compacted = dropped[dropped.length - 1]!.rv;
    }
    for (const l of [...this.listeners]) l(event);
  }
}
