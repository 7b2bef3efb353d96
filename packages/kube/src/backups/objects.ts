import { kubeName } from "@qs/core";
import { appLabels } from "../labels.ts";
import type { KubeObject, Secret } from "../rest/wire.ts";

/**
 * The restic image when QS_BACKUP_IMAGE is not set: restic's own, pinned by version
 * (install.sh pins it by digest; the local cluster uses one made from Debian's package).
 */
export const DEFAULT_RESTIC_IMAGE = "docker.io/restic/restic:0.18.0";

/** Label on every backup object; its value says which kind of run (backup, restore, drill, check). */
export const LABEL_BACKUP = "quickstack.dev/backup";
/** Annotation on a Job: the app whose backup it uses (restores into another app name it). */
export const ANNOTATION_BACKUP_ID = "quickstack.dev/backup-id";

/** Names of the backup objects (in the app's namespace, or the control plane's). */
export const backupNames = {
  /** The ServiceAccount backup pods run as (no API rights, no token mounted). */
  serviceAccount: (): string => "qs-backup",
  /** Per-app Secret: repository, installation key and S3 keys, as restic's env. */
  appSecret: (): string => "qs-backup",
  /** In the control plane's namespace: the installation's restic password. */
  keySecret: (): string => "qs-backup-key",
  /** In the control plane's namespace: the target and its keys. */
  targetSecret: (): string => "qs-backup-target",
  cronJob: (app: string): string => kubeName(app, "backup"),
  /** A backups:create run; `stamp` is UTC yyyymmddhhmmss, unique per app and second. */
  backupJob: (app: string, stamp: string): string => kubeName(app, "backup", stamp),
  restoreJob: (app: string, stamp: string): string => kubeName(app, "restore", stamp),
  drillJob: (app: string, stamp: string): string => kubeName(app, "drill", stamp),
  /**
   * Under the qs-app- prefix: deploy/policy/scope-policy.yaml lets the control plane write
   * only qs-app-* namespaces (an app would need to be named drill-<app>-<stamp> to clash).
   */
  drillNamespace: (app: string, stamp: string): string => kubeName("qs-app-drill", app, stamp),
};

/** What restic needs in its environment; the values only ever live in Secrets. */
export interface ResticEnv {
  /** `s3:<endpoint>/<bucket>/<prefix>/<app>`. */
  readonly repository: string;
  readonly password: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
}

/** The restic repository of one app under a target (one repository per app). */
export function resticRepository(target: { url: string; endpoint: string }, app: string): string {
  const path = target.url.replace(/^s3:\/\//, "").replace(/\/+$/, "");
  return `s3:${target.endpoint.replace(/\/+$/, "")}/${path}/${app}`;
}

/** The Secret restic's pods take their whole environment from (envFrom). */
export function buildBackupSecret(namespace: string, app: string, env: ResticEnv, name = backupNames.appSecret()): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: appLabels(app, { [LABEL_BACKUP]: "credentials" }) },
    type: "Opaque",
    stringData: {
      RESTIC_REPOSITORY: env.repository,
      RESTIC_PASSWORD: env.password,
      AWS_ACCESS_KEY_ID: env.accessKey,
      AWS_SECRET_ACCESS_KEY: env.secretKey,
      AWS_DEFAULT_REGION: env.region,
    },
  };
}

/** The ServiceAccount of backup pods: its own, with no rights and no token in the pod. */
export function buildBackupServiceAccount(namespace: string, app: string): KubeObject & { automountServiceAccountToken: boolean } {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: backupNames.serviceAccount(), namespace, labels: appLabels(app, { [LABEL_BACKUP]: "identity" }) },
    automountServiceAccountToken: false,
  };
}
