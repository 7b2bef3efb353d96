export * from "./client.ts";
export * from "./users/index.ts";
export * from "./apis.ts";
export * from "./labels.ts";
export { configHash } from "./hash.ts";
export { quickstackCrds, appCrd, releaseCrd, type CrdManifest } from "./crds/index.ts";
export { installCrds } from "./crds/install.ts";
export { createAppStore } from "./app-store.ts";
export {
  APP_NAMESPACE_ROLE,
  type ControlPlaneAccount,
  DEFAULT_CONTROL_PLANE_ACCOUNT,
  type NamespaceAccess,
  appNamespaceBinding,
  createNamespaceAccess,
} from "./namespace-access.ts";
export { createConfigStore } from "./config-store.ts";
export { createReleaseStore, type ReleaseStore, type ReleaseDraft } from "./release-store.ts";
export { createReleaseManager, type ReleaseManagerOptions } from "./release/release-manager.ts";
export { createReconciler, type Reconciler, type ReconcilerOptions } from "./reconciler/reconciler.ts";
export { renderApp } from "./render/app.ts";
export { type RenderOptions, type RegistryAuth, defaultRenderOptions, renderOptions } from "./render/options.ts";
export { buildDeployment } from "./render/deployment.ts";
export { buildService, buildIngress, appHosts } from "./render/web.ts";
export { buildPvc } from "./render/volumes.ts";
export { buildNetworkPolicy } from "./render/network-policy.ts";
export { buildReleaseJob } from "./render/release-job.ts";
export * from "./ops/index.ts";
export * from "./build/index.ts";
export { type KubeConnection, loadKubeConnection, loadKubeconfigFile, loadInCluster } from "./rest/connection.ts";
export { KubeApiError, type RestClient, createRestClient } from "./rest/client.ts";
export type { NamespacedResource, ClusterResource, ObjectList } from "./rest/resource.ts";
export type * from "./rest/wire.ts";
export * from "./doctor/index.ts";
export * from "./webhook-secrets.ts";
export * from "./deploy-keys.ts";
export * from "./addons/index.ts";
export * from "./backups/index.ts";
