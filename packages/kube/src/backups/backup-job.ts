import type { BackupRetention } from "@qs/core";
import { appLabels } from "../labels.ts";
import type { Job, KubeObject } from "../rest/wire.ts";
import { podSecurityContext } from "../render/security.ts";
import { ANNOTATION_BACKUP_ID, LABEL_BACKUP, backupNames } from "./objects.ts";
import { type BackupAddon, DUMP_DIR, buildDumpContainer, buildLoadContainer, buildVerifyContainer } from "./addon-dumps.ts";
import { type PreBackupHook, buildHookContainer } from "./hook.ts";
import { DATA_DIR, META_DIR, RESTORE_DIR, STORAGE_TIMEOUT_ENV, backupScript } from "./scripts.ts";

type JobSpec = NonNullable<Job["spec"]>;
type PodTemplate = JobSpec["template"];

/** What every restic pod is made of. */
export interface ResticPodInput {
  readonly app: string;
  /** The restic image (pinned by digest in production). */
  readonly image: string;
  readonly script: string;
  /** What the run is, as the LABEL_BACKUP value. */
  readonly kind: "backup" | "restore" | "drill" | "check";
  /** App volumes to mount at /data/<name>: volume name → PVC name. */
  readonly volumes?: readonly { readonly name: string; readonly claim: string }[];
  /** The backup a restore or drill reads; a backup run is named by its Job instead. */
  readonly backupId?: string;
  /** The Secret holding restic's environment. @defaultValue backupNames.appSecret() */
  readonly secretName?: string;
  /**
   * Database add-ons: a backup dumps each first (init containers), a restore loads each
   * after restic (the last load is the main container), a drill verifies each likewise.
   * @defaultValue []
   */
  readonly addons?: readonly BackupAddon[];
  /** A backup stops when the storage keeps failing this long (seconds). @defaultValue 600 */
  readonly storageTimeoutSeconds?: number;
  /** A backup first calls the app's pre-backup hook, and goes on only after a 2xx. @defaultValue none */
  readonly hook?: PreBackupHook;
}

/** The Job settings every restic run shares: one attempt, kept for the list, bounded in time. */
export interface ResticJobOptions {
  /** Seconds before the run is stopped as failed. @defaultValue 3600 */
  readonly activeDeadlineSeconds?: number;
}

/**
 * The pod template of a restic run: its own ServiceAccount with no token, restic's
 * environment only by reference to the Secret (never a value in the spec), and the
 * capabilities to read and restore files of any owner in the volumes (and nothing else).
 */
export function buildResticPodTemplate(input: ResticPodInput): PodTemplate {
  const volumes = input.volumes ?? [];
  const addons = input.addons ?? [];
  const scratch = input.kind === "drill" ? RESTORE_DIR : META_DIR;
  const dumps = addons.length > 0 && (input.kind === "backup" || input.kind === "restore");
  const restic = {
    name: "restic",
    image: input.image,
    command: ["/bin/sh", "-c", input.script],
    envFrom: [{ secretRef: { name: input.secretName ?? backupNames.appSecret() } }],
    env: [
      input.backupId === undefined
        ? // A CronJob's runs get their names from the Job controller; the pod knows it by label.
          { name: "QS_BACKUP_ID", valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } }
        : { name: "QS_BACKUP_ID", value: input.backupId },
      // restic keeps a cache in $HOME by default; a Job is gone after one run.
      { name: "RESTIC_CACHE_DIR", value: "/tmp/restic-cache" },
      { name: "HOME", value: "/tmp" },
      ...(input.storageTimeoutSeconds === undefined ? [] : [{ name: STORAGE_TIMEOUT_ENV, value: String(input.storageTimeoutSeconds) }]),
    ],
    // On failure the log's tail becomes the reason the control plane reports.
    terminationMessagePolicy: "FallbackToLogsOnError",
    securityContext: {
      allowPrivilegeEscalation: false,
      runAsUser: 0,
      // Only capabilities Pod Security "baseline" (app namespaces) allows: DAC_OVERRIDE reads
      // and writes files of any owner, CHOWN/FOWNER restore ownership and modes.
      capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER"] },
      seccompProfile: { type: "RuntimeDefault" as const },
    },
    volumeMounts: [
      ...volumes.map((v) => ({ name: `vol-${v.name}`, mountPath: `${DATA_DIR}/${v.name}` })),
      ...(dumps ? [{ name: "dump", mountPath: DUMP_DIR }] : []),
      { name: "scratch", mountPath: scratch },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
  // Init containers run one after another and stop the pod at the first failure; the main
  // container's termination message is the run's result.
  const after = input.kind === "restore" ? addons.map(buildLoadContainer) : input.kind === "drill" ? addons.map((a) => buildVerifyContainer(a, RESTORE_DIR)) : [];
  const hook = input.kind === "backup" && input.hook !== undefined ? [buildHookContainer(input.hook, input.image)] : [];
  const steps = input.kind === "backup" ? [...hook, ...addons.map(buildDumpContainer), restic] : [restic, ...after];
  const main = steps.slice(-1);
  const init = steps.slice(0, -1);
  return {
    metadata: { labels: appLabels(input.app, { [LABEL_BACKUP]: input.kind }) },
    spec: {
      restartPolicy: "Never",
      serviceAccountName: backupNames.serviceAccount(),
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(),
      ...(init.length === 0 ? {} : { initContainers: init }),
      containers: main,
      volumes: [
        ...volumes.map((v) => ({ name: `vol-${v.name}`, persistentVolumeClaim: { claimName: v.claim } })),
        ...(dumps ? [{ name: "dump", emptyDir: {} }] : []),
        ...(input.kind === "drill" && addons.length > 0 ? [{ name: "scratch-db", emptyDir: {} }] : []),
        { name: "scratch", emptyDir: {} },
        { name: "tmp", emptyDir: {} },
      ],
    },
  };
}

/** The Job spec of one restic run: no retries (a half-run restore must not run twice on its own). */
export function buildResticJobSpec(input: ResticPodInput, options: ResticJobOptions = {}): JobSpec {
  return {
    backoffLimit: 0,
    activeDeadlineSeconds: options.activeDeadlineSeconds ?? 3600,
    template: buildResticPodTemplate(input),
  };
}

/** A restic run as a Job named `name` in `namespace`. */
export function buildResticJob(namespace: string, name: string, input: ResticPodInput, options: ResticJobOptions = {}): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace,
      labels: appLabels(input.app, { [LABEL_BACKUP]: input.kind }),
      ...(input.backupId === undefined ? {} : { annotations: { [ANNOTATION_BACKUP_ID]: input.backupId } }),
    },
    spec: buildResticJobSpec(input, options),
  };
}

/** The backup of an app's volumes, now (backups:create). */
export function buildBackupJob(
  namespace: string,
  name: string,
  input: { app: string; image: string; volumes: ResticPodInput["volumes"]; retention: BackupRetention; addons?: readonly BackupAddon[]; storageTimeoutSeconds?: number; hook?: PreBackupHook },
  options: ResticJobOptions = {},
): Job {
  return buildResticJob(
    namespace,
    name,
    {
      app: input.app,
      image: input.image,
      kind: "backup",
      script: backupScript(input.app, input.retention),
      ...(input.volumes === undefined ? {} : { volumes: input.volumes }),
      ...(input.addons === undefined ? {} : { addons: input.addons }),
      ...(input.storageTimeoutSeconds === undefined ? {} : { storageTimeoutSeconds: input.storageTimeoutSeconds }),
      ...(input.hook === undefined ? {} : { hook: input.hook }),
    },
    options,
  );
}

/** A CronJob as the API server takes it (batch/v1), typed loosely: client-node's model is not loaded. */
export type CronJob = KubeObject & {
  spec?: {
    schedule: string;
    timeZone?: string;
    concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
    startingDeadlineSeconds?: number;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    suspend?: boolean;
    jobTemplate: { metadata?: KubeObject["metadata"]; spec: JobSpec };
  };
};
