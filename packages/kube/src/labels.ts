import { kubeName } from "@qs/core";

/** API group and version of QuickStack's custom resources. */
export const QS_GROUP = "quickstack.dev";
export const QS_VERSION = "v1alpha1";
export const QS_API_VERSION = `${QS_GROUP}/${QS_VERSION}`;

/** Label keys (STYLE.md "Names"). */
export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_APP = "quickstack.dev/app";
export const LABEL_PROCESS = "quickstack.dev/process";
export const LABEL_RELEASE = "quickstack.dev/release";
/** Marks objects the reconciler renders and may prune (not config or release Secrets, Jobs). */
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const MANAGED_BY = "quickstack";

/** Annotation keys. */
export const ANNOTATION_SPEC_HASH = "quickstack.dev/spec-hash";
export const ANNOTATION_CONFIG_HASH = "quickstack.dev/config-hash";
export const ANNOTATION_RELEASE = "quickstack.dev/release";

/** The labels every object rendered for an app carries. */
export function appLabels(app: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL_NAME]: app, [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_APP]: app, ...extra };
}

/** Label selector string for everything the reconciler renders for an app. */
export function renderedSelector(app: string): string {
  return `${LABEL_APP}=${app},${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_COMPONENT}=rendered`;
}

/** Object names inside an app's namespace (the namespace already scopes them per app). */
export const names = {
  configSecret: (app: string): string => kubeName(app, "config"),
  releaseObject: (app: string, n: number): string => kubeName(app, `v${n}`),
  releaseEnvSecret: (app: string, n: number): string => kubeName(app, `v${n}`, "env"),
  releaseJob: (app: string, n: number): string => kubeName(app, "release", `v${n}`),
  deployment: (app: string, process: string): string => kubeName(app, process),
  service: (app: string): string => kubeName(app, "web"),
  ingress: (app: string): string => app,
  tlsSecret: (app: string): string => kubeName(app, "tls"),
  pvc: (app: string, volume: string): string => kubeName(app, "vol", volume),
  networkPolicy: (app: string): string => kubeName(app, "isolation"),
  pullSecret: (): string => "qs-registry",
};
