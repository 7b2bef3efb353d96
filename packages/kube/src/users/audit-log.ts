import type { AuditEntry, AuditLog } from "@qs/core";
import { type KubeApis, ignoreNotFound, isConflict, orUndefined } from "../apis.ts";
import { LABEL_MANAGED_BY, MANAGED_BY } from "../labels.ts";
import type { ConfigMap } from "../rest/wire.ts";
import { LABEL_KIND } from "./user-record.ts";
import { conflictBackoff } from "./user-store.ts";

/**
 * Why ConfigMaps: the audit trail must outlive Redis (which holds only what can be rebuilt,
 * DESIGN.md "State") and Kubernetes Events expire after an hour. One ConfigMap per month
 * (`qs-audit-2026-11`) keeps each object small; it holds JSON lines, capped so it stays far
 * below the 1 MiB object limit, and months beyond the retention are deleted. Entries hold
 * no secret values (auditArgs), so a ConfigMap is appropriate rather than a Secret.
 */
export const AUDIT_KIND = "audit";
const DATA_KEY = "entries.jsonl";

/** Options of createAuditLog. */
export interface AuditLogOptions {
  /** API handles of the cluster (createKubeApis). */
  readonly apis: KubeApis;
  /** @defaultValue "qs-system" */
  readonly namespace?: string;
  /** Entries kept per month; the oldest are dropped beyond it. @defaultValue 2000 */
  readonly maxEntriesPerMonth?: number;
  /** Bytes kept per month (the object limit is 1 MiB). @defaultValue 600000 */
  readonly maxBytesPerMonth?: number;
  /** Months kept. @defaultValue 12 */
  readonly retentionMonths?: number;
  /** Attempts of an append before giving up on 409s. @defaultValue 20 */
  readonly maxAttempts?: number;
}

/** `qs-audit-YYYY-MM` for the month of `at` (UTC). */
export function auditConfigMapName(at: Date): string {
  return `qs-audit-${at.toISOString().slice(0, 7)}`;
}

/** Appends one JSON line and drops the oldest lines beyond the caps (pure). */
export function appendCapped(existing: string, entry: AuditEntry, maxEntries: number, maxBytes: number): string {
  const lines = existing.split("\n").filter((l) => l.length > 0);
  lines.push(JSON.stringify(entry));
  while (lines.length > maxEntries) lines.shift();
  let bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  while (bytes > maxBytes && lines.length > 1) bytes -= Buffer.byteLength(lines.shift() ?? "") + 1;
  return `${lines.join("\n")}\n`;
}

/** Parses the JSON lines of one month; lines that are not entries are skipped. */
export function parseEntries(text: string): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    try {
      const e = JSON.parse(line) as AuditEntry;
      if (typeof e.at === "string" && typeof e.user === "string" && typeof e.command === "string") out.push(e);
    } catch {
      // A truncated line cannot be recovered; the others still can.
    }
  }
  return out;
}

/** The AuditLog port over monthly ConfigMaps in the system namespace. */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const configMaps = options.apis.configMaps;
  const namespace = options.namespace ?? "qs-system";
  const maxEntries = options.maxEntriesPerMonth ?? 2000;
  const maxBytes = options.maxBytesPerMonth ?? 600_000;
  const retention = options.retentionMonths ?? 12;
  const maxAttempts = options.maxAttempts ?? 20;
  const selector = `${LABEL_KIND}=${AUDIT_KIND}`;

  const body = (name: string, text: string, resourceVersion?: string): ConfigMap => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace,
      labels: { [LABEL_KIND]: AUDIT_KIND, [LABEL_MANAGED_BY]: MANAGED_BY },
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    data: { [DATA_KEY]: text },
  });

  async function prune(): Promise<void> {
    const list = await configMaps.list(namespace, { labelSelector: selector });
    const names = list.items.map((c) => c.metadata?.name ?? "").filter((n) => n.startsWith("qs-audit-")).sort();
    for (const name of names.slice(0, Math.max(0, names.length - retention))) {
      await ignoreNotFound(() => configMaps.delete(namespace, name));
    }
  }

  return {
    async record(entry) {
      const name = auditConfigMapName(new Date(entry.at));
      for (let attempt = 1; ; attempt++) {
        try {
          const current = await orUndefined(() => configMaps.read(namespace, name));
          const text = appendCapped(current?.data?.[DATA_KEY] ?? "", entry, maxEntries, maxBytes);
          if (current === undefined) {
            await configMaps.create(namespace, body(name, text));
            await prune();
          } else {
            await configMaps.replace(namespace, name, body(name, text, current.metadata?.resourceVersion));
          }
          return;
        } catch (err) {
          // 409: someone appended (or created the month) first; read again and retry.
          if (!isConflict(err) || attempt >= maxAttempts) throw err;
          await conflictBackoff(attempt);
        }
      }
    },

    async list(query = {}) {
      const limit = query.limit ?? 100;
      const list = await configMaps.list(namespace, { labelSelector: selector });
      const months = list.items.sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? 1 : -1));
      const out: AuditEntry[] = [];
      for (const month of months) {
        const entries = parseEntries(month.data?.[DATA_KEY] ?? "").reverse();
        for (const e of entries) {
          if (query.app !== undefined && e.app !== query.app) continue;
          out.push(e);
          if (out.length >= limit) return out;
        }
      }
      return out;
    },
  };
}
