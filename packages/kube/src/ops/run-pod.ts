import { randomBytes } from "node:crypto";
import { appNamespace, kubeName } from "@qs/core";
import { LABEL_PROCESS, appLabels, names } from "../labels.ts";
import type { Deployment, Pod } from "../rest/wire.ts";
import { containerSecurityContext, podSecurityContext } from "../render/security.ts";

type Container = NonNullable<Pod["spec"]>["containers"][number];

/** Process label of one-off pods (`run.1 |` in logs). */
export const RUN_PROCESS = "run";
/** Who started a one-off pod (a user name; DNS-1123, so a valid label value). */
export const LABEL_RUN_BY = "quickstack.dev/run-by";

/** Input of buildRunPod. */
export interface RunPodInput {
  readonly app: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly user: string;
  readonly tty: boolean;
  /** A running process's Deployment to copy env, volumes and resources from. */
  readonly template?: Deployment;
  /** Hard limit on the pod's life. @defaultValue 86400 (a day) */
  readonly activeDeadlineSeconds?: number;
  /** Name suffix, random by default (tests pass a fixed one). */
  readonly suffix?: string;
}

/**
 * A one-off pod: the app's image with its config (envFrom the same Secret the processes
 * use, else the app's config Secret) and volumes, the command in exec form (no shell),
 * restartPolicy Never. With a TTY, stdin is kept open for `kubectl attach`-style use.
 */
export function buildRunPod(input: RunPodInput): Pod {
  const base: Container | undefined = input.template?.spec?.template.spec?.containers[0];
  const podSpec = input.template?.spec?.template.spec;
  const name = kubeName(input.app, "run", input.suffix ?? randomBytes(3).toString("hex"));
  const container: Container = {
    name: RUN_PROCESS,
    image: input.image,
    command: [...input.command],
    envFrom: base?.envFrom ?? [{ secretRef: { name: names.configSecret(input.app) } }],
    env: (base?.env ?? []).filter((e) => e.name !== "PORT"),
    ...(base?.resources === undefined ? {} : { resources: base.resources }),
    volumeMounts: base?.volumeMounts ?? [],
    securityContext: base?.securityContext ?? containerSecurityContext(),
    stdin: input.tty,
    stdinOnce: input.tty,
    tty: input.tty,
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: appNamespace(input.app),
      labels: appLabels(input.app, { [LABEL_PROCESS]: RUN_PROCESS, [LABEL_RUN_BY]: input.user }),
    },
    spec: {
      restartPolicy: "Never",
      activeDeadlineSeconds: input.activeDeadlineSeconds ?? 86_400,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSpec?.securityContext ?? podSecurityContext(),
      ...(podSpec?.imagePullSecrets === undefined ? {} : { imagePullSecrets: podSpec.imagePullSecrets }),
      terminationGracePeriodSeconds: 10,
      containers: [container],
      volumes: podSpec?.volumes ?? [],
    },
  };
}
