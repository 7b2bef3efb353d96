import type { KubeObject, ResourceType } from "./types.ts";

// Server-side printing (meta.k8s.io/v1 Table) for `kubectl get` without -o: the columns the
// real server prints for the kinds QuickStack users look at, Name + Age for the rest.

type Cell = string | number;
interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
}

/** kubectl's human duration ("42s", "3m12s", "5h", "2d"). */
export function age(created: string | undefined, now = Date.now()): string {
  if (!created) return "<unknown>";
  const s = Math.max(0, Math.floor((now - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ""}`;
  const h = Math.floor(m / 60);
  if (h < 3) return `${m}m`;
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

const col = (name: string, type = "string", format?: string): Column => ({ name, type, ...(format ? { format } : {}), description: name, priority: 0 });

interface PodStatusLite {
  phase?: string;
  containerStatuses?: { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }[];
}

function podCells(o: KubeObject): Cell[] {
  const st = (o.status ?? {}) as PodStatusLite;
  const cs = st.containerStatuses ?? [];
  const total = ((o.spec as { containers?: unknown[] } | undefined)?.containers ?? []).length;
  let reason = st.phase ?? "Pending";
  for (const c of cs) {
    const r = c.state?.waiting?.reason ?? (st.phase !== "Running" ? c.state?.terminated?.reason : undefined);
    if (r) reason = r;
  }
  if (o.metadata.deletionTimestamp) reason = "Terminating";
  return [`${cs.filter((c) => c.ready).length}/${total}`, reason, cs.reduce((n, c) => n + (c.restartCount ?? 0), 0)];
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

function columnsFor(kind: string): { cols: Column[]; cells: (o: KubeObject) => Cell[] } {
  switch (kind) {
    case "Pod":
      return { cols: [col("Ready"), col("Status"), col("Restarts", "string")], cells: podCells };
    case "Deployment":
      return {
        cols: [col("Ready"), col("Up-to-date", "integer"), col("Available", "integer")],
        cells: (o) => {
          const s = (o.status ?? {}) as Record<string, unknown>;
          return [`${num(s.readyReplicas)}/${num((o.spec as Record<string, unknown>).replicas)}`, num(s.updatedReplicas), num(s.availableReplicas)];
        },
      };
    case "ReplicaSet":
      return {
        cols: [col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer")],
        cells: (o) => {
          const s = (o.status ?? {}) as Record<string, unknown>;
          return [num((o.spec as Record<string, unknown>).replicas), num(s.replicas), num(s.readyReplicas)];
        },
      };
    case "Job":
      return {
        cols: [col("Status"), col("Completions")],
        cells: (o) => {
          const s = (o.status ?? {}) as { succeeded?: number; conditions?: { type: string; status: string }[] };
          const done = s.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.type;
          return [done ?? "Running", `${s.succeeded ?? 0}/${num((o.spec as Record<string, unknown>).completions) || 1}`];
        },
      };
    case "Node":
      return {
        cols: [col("Status"), col("Roles"), col("Version")],
        cells: (o) => {
          const ready = ((o.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
          const roles = Object.keys(o.metadata.labels ?? {}).filter((l) => l.startsWith("node-role.kubernetes.io/")).map((l) => l.slice(24));
          return [ready ? "Ready" : "NotReady", roles.join(",") || "<none>", "v1.32.4+k3s1"];
        },
      };
    case "Service":
      return {
        cols: [col("Type"), col("Cluster-IP"), col("External-IP"), col("Port(s)")],
        cells: (o) => {
          const s = o.spec as { type?: string; clusterIP?: string; ports?: { port: number; protocol?: string }[] };
          return [s.type ?? "ClusterIP", s.clusterIP ?? "<none>", "<none>", (s.ports ?? []).map((p) => `${p.port}/${p.protocol ?? "TCP"}`).join(",") || "<none>"];
        },
      };
    case "Namespace":
      return { cols: [col("Status")], cells: (o) => [((o.status ?? {}) as { phase?: string }).phase ?? "Active"] };
    default:
      return { cols: [], cells: () => [] };
  }
}

const eventColumns = [col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Message")];

function eventCells(o: KubeObject): Cell[] {
  const e = o as KubeObject & { lastTimestamp?: string; type?: string; reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } };
  return [age(e.lastTimestamp ?? o.metadata.creationTimestamp), e.type ?? "", e.reason ?? "", `${(e.involvedObject?.kind ?? "").toLowerCase()}/${e.involvedObject?.name ?? ""}`, e.message ?? ""];
}

/** A CRD's additionalPrinterColumns entry (apiextensions.k8s.io/v1). */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

/** Evaluates the simple JSONPaths printer columns use (`.status.currentRelease`, `.a.b[0].c`). */
export function evalJsonPath(o: unknown, path: string): unknown {
  let value: unknown = o;
  for (const part of path.replace(/^\./, "").split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Columns of a custom resource, from its CRD's additionalPrinterColumns (as the real server prints them). */
function crdColumns(columns: readonly PrinterColumn[]): { cols: Column[]; cells: (o: KubeObject) => Cell[] } {
  const shown = columns.filter((c) => c.name.toLowerCase() !== "age" || c.jsonPath !== ".metadata.creationTimestamp");
  return {
    cols: shown.map((c) => ({ ...col(c.name, c.type, c.format), description: c.description ?? c.name, priority: c.priority ?? 0 })),
    cells: (o) =>
      shown.map((c) => {
        const v = evalJsonPath(o, c.jsonPath);
        if (v === undefined || v === null) return "";
        if (c.type === "date" && typeof v === "string") return age(v);
        return typeof v === "number" ? v : typeof v === "string" ? v : JSON.stringify(v);
      }),
  };
}

/** A Table for `items`; includeObject is None, Metadata (default) or Object. */
export function toTable(t: ResourceType, items: KubeObject[], resourceVersion: string, includeObject: string | null, cont?: string, printerColumns?: readonly PrinterColumn[]): Record<string, unknown> {
  const { cols, cells } = printerColumns !== undefined && printerColumns.length > 0 ? crdColumns(printerColumns) : columnsFor(t.kind);
  // Events print without Name and Age (the real printer hides them at priority 1).
  const isEvent = t.kind === "Event" && t.group === "";
  const columnDefinitions = isEvent ? eventColumns : [col("Name", "string", "name"), ...cols, col("Age")];
  const rows = items.map((o) => ({
    cells: isEvent ? eventCells(o) : [o.metadata.name, ...cells(o), age(o.metadata.creationTimestamp)],
    object: includeObject === "None" ? undefined
      : includeObject === "Object" ? o
      : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
  }));
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion, ...(cont ? { continue: cont } : {}) }, columnDefinitions, rows };
}
