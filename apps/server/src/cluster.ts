import type { QsConfig } from "@qs/config";
import type {
  AccessControl,
  AppStore,
  AuditLog,
  ClusterOps,
  ConfigStore,
  Logger,
  NodeOps,
  ReleaseManager,
  UsageSource,
  UserStore,
} from "@qs/core";
import {
  DEFAULT_CONTROL_PLANE_ACCOUNT,
  createAppStore,
  createAuditLog,
  createBuildRunner,
  createClusterOps,
  createConfigStore,
  createNodeOps,
  createReconciler,
  createReleaseManager,
  createUsageSource,
  createUserStore,
  renderOptions,
  type KubeClient,
  type Reconciler,
} from "@qs/kube";
import type { BuildRunner } from "@qs/core";

/** Everything the control plane does through the Kubernetes API. */
export interface ClusterParts {
  readonly apps: AppStore;
  readonly config: ConfigStore;
  readonly releases: ReleaseManager;
  readonly users: UserStore & AccessControl;
  readonly audit: AuditLog;
  readonly ops: ClusterOps;
  readonly nodes: NodeOps;
  readonly usage: UsageSource;
  readonly runner: BuildRunner;
  readonly reconciler: Reconciler;
}

/** Builds the Kubernetes-backed adapters (nothing is started here). */
export function createClusterParts(
  config: QsConfig,
  kube: KubeClient,
  logger: Logger,
  owns?: (app: string) => boolean,
): ClusterParts {
  const apis = kube.apis;
  // The reconciler and the release manager must render alike, or every deploy would be
  // followed by a second rollout.
  const render = renderOptions({ baseDomain: config.baseDomain });
  const configStore = createConfigStore(apis);
  const namespace = config.systemNamespace;
  const account = { namespace, name: DEFAULT_CONTROL_PLANE_ACCOUNT.name };
  return {
    apps: createAppStore(apis, account),
    config: configStore,
    releases: createReleaseManager({ apis, logger, options: { render }, config: configStore }),
    users: createUserStore({ apis, namespace }),
    audit: createAuditLog({ apis, namespace }),
    ops: createClusterOps({ apis }),
    nodes: createNodeOps({ apis, namespace }),
    usage: createUsageSource(apis),
    runner: createBuildRunner(apis),
    reconciler: createReconciler({ apis, logger, options: { render, account, ...(owns === undefined ? {} : { owns }) } }),
  };
}
