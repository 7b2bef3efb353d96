import type { DeleteOptions, KubeApi } from "./api.ts";
import { typeKey, type KubeObject, type ResourceType, type StoreEvent } from "./types.ts";

// Garbage collection as kube-controller-manager does it: dependents (ownerReferences) of a
// deleted owner are deleted in the background; foreground deletion keeps the owner (with the
// foregroundDeletion finalizer) until its dependents are gone; orphan deletion strips the
// references; deleting a namespace empties it (phase Terminating) and then removes it.

/** The finalizers the garbage collector itself sets and removes. */
const GC_FINALIZERS = new Set(["foregroundDeletion", "orphan"]);

/** Options for the garbage collector. */
export interface GcOptions {
  /** Delay before a Terminating namespace is emptied, so the phase is observable. @defaultValue 20 */
  namespaceDelayMs?: number;
}

interface Ref {
  key: string;
  ns: string;
  name: string;
}

export class GarbageCollector {
  private readonly api: KubeApi;
  private readonly dependents = new Map<string, Map<string, Ref>>();
  private readonly namespaceDelayMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(api: KubeApi, options: GcOptions = {}) {
    this.api = api;
    this.namespaceDelayMs = options.namespaceDelayMs ?? 20;
    this.unsubscribe = api.store.subscribe((e) => this.onEvent(e));
    api.deleteHooks.onMarked = (t, o, opts) => this.onMarked(t, o, opts);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const t of this.timers) clearTimeout(t);
  }

  private later(fn: () => void, ms = 0): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Dependents currently referencing `uid`. */
  dependentsOf(uid: string): Ref[] {
    return [...(this.dependents.get(uid)?.values() ?? [])];
  }

  private index(o: KubeObject | undefined, key: string, add: boolean): void {
    if (!o) return;
    const id = `${key}|${o.metadata.namespace ?? ""}|${o.metadata.name}`;
    for (const ref of o.metadata.ownerReferences ?? []) {
      let m = this.dependents.get(ref.uid);
      if (add) {
        if (!m) this.dependents.set(ref.uid, (m = new Map<string, Ref>()));
        m.set(id, { key, ns: o.metadata.namespace ?? "", name: o.metadata.name });
      } else if (m) {
        m.delete(id);
        if (m.size === 0) this.dependents.delete(ref.uid);
      }
    }
  }

  private onEvent(e: StoreEvent): void {
    this.index(e.old, e.key, false);
    if (e.type !== "DELETED") {
      this.index(e.object, e.key, true);
      return;
    }
    const uid = e.object.metadata.uid;
    if (this.dependents.has(uid)) this.later(() => this.collectOrphansOf(uid));
    // A dependent went away: an owner waiting in foreground deletion may now be done.
    for (const ref of e.object.metadata.ownerReferences ?? []) this.later(() => this.checkForeground(ref.uid));
    if (e.object.kind === "Namespace") return;
    const ns = e.object.metadata.namespace;
    if (ns) this.later(() => this.checkNamespace(ns));
  }

  private typeOf(key: string): ResourceType | undefined {
    return this.api.registry.byKey(key);
  }

  private ownerExists(uid: string): boolean {
    return this.api.store.byUid(uid) !== undefined;
  }

  /** Background deletion of the dependents of a removed owner. */
  private collectOrphansOf(uid: string): void {
    for (const ref of this.dependentsOf(uid)) {
      const t = this.typeOf(ref.key);
      const dep = t && this.api.find(t, ref.ns, ref.name);
      if (!t || !dep) continue;
      const others = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid && this.ownerExists(r.uid));
      if (others.length > 0) {
        this.api.mutate(t, ref.ns, ref.name, (o) => {
          o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        });
        continue;
      }
      this.tryDelete(t, ref.ns, ref.name, { propagationPolicy: "Background" });
    }
  }

  private tryDelete(t: ResourceType, ns: string, name: string, options: DeleteOptions): void {
    try {
      this.api.delete(t, ns, name, options);
    } catch {
      // Already gone: nothing to collect.
    }
  }

  private onMarked(t: ResourceType, o: KubeObject, _options: DeleteOptions): void {
    const finalizers = o.metadata.finalizers ?? [];
    if (t.kind === "Namespace") {
      this.later(() => this.emptyNamespace(o.metadata.name), this.namespaceDelayMs);
      return;
    }
    if (finalizers.includes("orphan")) {
      this.later(() => {
        for (const ref of this.dependentsOf(o.metadata.uid)) {
          const dt = this.typeOf(ref.key);
          if (!dt) continue;
          this.api.mutate(dt, ref.ns, ref.name, (d) => {
            d.metadata.ownerReferences = (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== o.metadata.uid);
            if (d.metadata.ownerReferences.length === 0) delete d.metadata.ownerReferences;
          });
        }
        this.api.finalize(t, o.metadata.namespace, o.metadata.name, ["orphan"]);
      });
    }
    if (finalizers.includes("foregroundDeletion")) {
      this.later(() => {
        for (const ref of this.dependentsOf(o.metadata.uid)) {
          const dt = this.typeOf(ref.key);
          if (dt) this.tryDelete(dt, ref.ns, ref.name, { propagationPolicy: "Foreground" });
        }
        this.checkForeground(o.metadata.uid);
      });
    }
  }

  private checkForeground(ownerUid: string): void {
    if (this.dependentsOf(ownerUid).length > 0) return;
    const at = this.api.store.byUid(ownerUid);
    const t = at && this.typeOf(at.key);
    if (!at || !t) return;
    const o = this.api.store.get(at.key, at.ns, at.name);
    if (o?.metadata.deletionTimestamp && o.metadata.finalizers?.includes("foregroundDeletion")) {
      this.api.finalize(t, at.ns, at.name, ["foregroundDeletion"]);
    }
  }

  private emptyNamespace(ns: string): void {
    for (const key of this.api.store.keys()) {
      const t = this.typeOf(key);
      if (!t?.namespaced) continue;
      for (const o of this.api.store.list(key, ns)) {
        if (o.metadata.deletionTimestamp) {
          // The garbage collector's own finalizers are dropped here (the double's shortcut);
          // anyone else's hold the object, and so the namespace, as on a real cluster.
          if (t.kind !== "Pod") this.api.finalize(t, ns, o.metadata.name, (o.metadata.finalizers ?? []).filter((f) => GC_FINALIZERS.has(f)));
          continue;
        }
        this.tryDelete(t, ns, o.metadata.name, { propagationPolicy: "Background" });
      }
    }
    this.checkNamespace(ns);
  }

  private checkNamespace(ns: string): void {
    const nsType = this.api.registry.builtin("Namespace");
    const nsObj = this.api.store.get(typeKey(nsType), "", ns);
    if (!nsObj?.metadata.deletionTimestamp) return;
    for (const key of this.api.store.keys()) {
      const t = this.typeOf(key);
      if (t?.namespaced && this.api.store.list(key, ns).length > 0) return;
    }
    this.api.store.remove(typeKey(nsType), "", ns);
  }
}
