import type { Job } from "../rest/wire.ts";
import type { Release } from "@qs/core";
import { LABEL_PROCESS, LABEL_RELEASE, appLabels, names } from "../labels.ts";
import { type RenderInput, namespaceOf, ownerReference } from "./context.ts";
import { containerSecurityContext, podSecurityContext, shellCommand } from "./security.ts";

/** Options of the release-phase Job. */
export interface ReleaseJobOptions {
  /** Kill the release command after this long. @defaultValue 600 */
  readonly activeDeadlineSeconds?: number;
}

/** The Job that runs the Procfile `release:` command with the new image and config, once. */
export function buildReleaseJob(
  input: Omit<RenderInput, "release">,
  release: Release,
  jobOptions: ReleaseJobOptions = {},
): Job {
  const { app, spec, options } = input;
  const labels = appLabels(app, { [LABEL_PROCESS]: "release", [LABEL_RELEASE]: `v${release.number}` });
  const memory = spec.processes.web?.memory ?? options.defaultMemory;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: names.releaseJob(app, release.number),
      namespace: namespaceOf({ ...input, release }),
      labels,
      ownerReferences: [ownerReference(input)],
    },
    spec: {
      // A failed release command is the user's to fix: never retried.
      backoffLimit: 0,
      activeDeadlineSeconds: jobOptions.activeDeadlineSeconds ?? 600,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(),
          ...(options.registryAuth === undefined ? {} : { imagePullSecrets: [{ name: names.pullSecret() }] }),
          containers: [
            {
              name: "release",
              image: release.image,
              ...shellCommand(release.releaseCommand),
              envFrom: [{ secretRef: { name: names.releaseEnvSecret(app, release.number) } }],
              resources: { requests: { cpu: options.defaultCpuRequest, memory }, limits: { memory } },
              securityContext: containerSecurityContext(),
            },
          ],
        },
      },
    },
  };
}
