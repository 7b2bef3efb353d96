import { randomInt } from "node:crypto";
import type { KubeObject } from "./types.ts";

// Server-side defaulting for the kinds whose defaults controllers and clients rely on
// (the values the real API server's SetDefaults_* functions fill in).

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

function ensure(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Obj;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

function podSpecDefaults(spec: Obj): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  for (const field of ["containers", "initContainers"]) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list.map(obj)) {
      c.terminationMessagePath ??= "/dev/termination-log";
      c.terminationMessagePolicy ??= "File";
      const image = typeof c.image === "string" ? c.image : "";
      c.imagePullPolicy ??= image.endsWith(":latest") || !image.includes(":") ? "Always" : "IfNotPresent";
      c.resources ??= {};
      if (Array.isArray(c.ports)) for (const p of c.ports.map(obj)) p.protocol ??= "TCP";
    }
  }
}

function templateDefaults(spec: Obj): void {
  const template = ensure(spec, "template");
  podSpecDefaults(ensure(template, "spec"));
}

const alphabet = "bcdfghjklmnpqrstvwxz2456789";
/** The 5 random characters appended to generateName (apiserver's SimpleNameGenerator). */
export function randomSuffix(n = 5): string {
  let s = "";
  for (let i = 0; i < n; i += 1) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** Applies defaults to a new or updated object in place. */
export function applyDefaults(o: KubeObject): void {
  const spec = obj(o.spec);
  switch (o.kind) {
    case "Pod":
      podSpecDefaults(ensure(o, "spec"));
      break;
    case "Deployment": {
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      const strategy = ensure(spec, "strategy");
      strategy.type ??= "RollingUpdate";
      if (strategy.type === "RollingUpdate") {
        const ru = ensure(strategy, "rollingUpdate");
        ru.maxSurge ??= "25%";
        ru.maxUnavailable ??= "25%";
      }
      templateDefaults(spec);
      break;
    }
    case "ReplicaSet":
      spec.replicas ??= 1;
      templateDefaults(spec);
      break;
    case "StatefulSet": {
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= "OrderedReady";
      spec.revisionHistoryLimit ??= 10;
      const us = ensure(spec, "updateStrategy");
      us.type ??= "RollingUpdate";
      if (us.type === "RollingUpdate") ensure(us, "rollingUpdate").partition ??= 0;
      spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: "Retain", whenScaled: "Retain" };
      templateDefaults(spec);
      break;
    }
    case "DaemonSet": {
      spec.revisionHistoryLimit ??= 10;
      const us = ensure(spec, "updateStrategy");
      us.type ??= "RollingUpdate";
      if (us.type === "RollingUpdate") {
        const ru = ensure(us, "rollingUpdate");
        ru.maxUnavailable ??= 1;
        ru.maxSurge ??= 0;
      }
      templateDefaults(spec);
      break;
    }
    case "Job": {
      spec.backoffLimit ??= 6;
      spec.completions ??= 1;
      spec.parallelism ??= 1;
      spec.completionMode ??= "NonIndexed";
      spec.suspend ??= false;
      const template = ensure(spec, "template");
      const podSpec = ensure(template, "spec");
      podSpec.restartPolicy ??= "Never";
      // The API server sets the selector from the Job's uid (manualSelector unset).
      if (o.metadata.uid && spec.manualSelector !== true && spec.selector === undefined) {
        const labels = { "batch.kubernetes.io/controller-uid": o.metadata.uid, "batch.kubernetes.io/job-name": o.metadata.name, "controller-uid": o.metadata.uid, "job-name": o.metadata.name };
        spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": o.metadata.uid } };
        const tmeta = ensure(template, "metadata");
        tmeta.labels = { ...obj(tmeta.labels), ...labels };
      }
      templateDefaults(spec);
      break;
    }
    case "Service": {
      spec.type ??= "ClusterIP";
      spec.sessionAffinity ??= "None";
      if (spec.type !== "ExternalName" && spec.clusterIP === undefined) {
        spec.clusterIP = `10.43.${randomInt(256)}.${randomInt(1, 255)}`;
        spec.clusterIPs = [spec.clusterIP];
      }
      if (Array.isArray(spec.ports)) {
        for (const p of spec.ports.map(obj)) {
          p.protocol ??= "TCP";
          p.targetPort ??= p.port as number;
        }
      }
      break;
    }
    case "Namespace": {
      const s = ensure(o, "spec");
      s.finalizers ??= ["kubernetes"];
      const status = ensure(o, "status");
      status.phase ??= "Active";
      const labels = (o.metadata.labels ??= {});
      labels["kubernetes.io/metadata.name"] = o.metadata.name;
      break;
    }
    case "PersistentVolumeClaim":
      spec.volumeMode ??= "Filesystem";
      break;
    case "Secret": {
      o.type ??= "Opaque";
      // stringData is write-only: the server folds it into data (base64) on every write.
      const stringData = o.stringData as Record<string, string> | undefined;
      if (stringData && typeof stringData === "object") {
        const data = (o.data ??= {}) as Record<string, string>;
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
        delete o.stringData;
      }
      break;
    }
  }
}
