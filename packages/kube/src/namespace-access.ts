import { UnavailableError } from "@qs/core";
import { type KubeApis, isConflict, orUndefined, statusOf } from "./apis.ts";
import { LABEL_MANAGED_BY, MANAGED_BY } from "./labels.ts";
import type { RoleBinding } from "./rest/wire.ts";

// The control plane reaches Secrets and pods (with their logs, exec and attach) only where a
// RoleBinding lets it: its own namespace and qs-builds (deploy/base/rbac) and each app
// namespace, where it binds the ClusterRole quickstack-app-namespace to itself when it makes
// the namespace. Its ClusterRole holds no Secrets or pods rule, only `bind` on that one
// role, so a stolen token cannot read the Secrets, pods or logs of kube-system or of other
// workloads (deploy/base/rbac/RBAC.md).

/** The ClusterRole bound in each app namespace (deploy/base/rbac/app-namespace-role.yaml). */
export const APP_NAMESPACE_ROLE = "quickstack-app-namespace";
/** The name of that RoleBinding in each app namespace. */
export const APP_NAMESPACE_BINDING = "quickstack-control-plane";

/** The control plane's ServiceAccount (deploy/base/rbac/service-account.yaml). */
export interface ControlPlaneAccount {
  readonly namespace: string;
  readonly name: string;
}

/** The ServiceAccount deploy/ runs the control plane as. */
export const DEFAULT_CONTROL_PLANE_ACCOUNT: ControlPlaneAccount = { namespace: "qs-system", name: "quickstack" };

/** How long a new binding may take to reach the API server's authorizer (it reads from a cache). */
const BINDING_WAIT_MS = 15_000;

/** Grants the control plane its rights in app namespaces. */
export interface NamespaceAccess {
  /** Binds the app-namespace role in `namespace` (idempotent) and waits until it is in force. */
  grant(namespace: string): Promise<void>;
  /**
   * Binds the role in `namespace` once for the life of the process, without waiting for it
   * to be in force (the reconciler's upgrade path: a pass that runs too early fails and is
   * retried like any other).
   */
  ensure(namespace: string): Promise<void>;
}

/** The RoleBinding that gives `account` the app-namespace role in `namespace`. */
export function appNamespaceBinding(namespace: string, account: ControlPlaneAccount): RoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: APP_NAMESPACE_BINDING, namespace, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: APP_NAMESPACE_ROLE },
    subjects: [{ kind: "ServiceAccount", name: account.name, namespace: account.namespace }],
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the NamespaceAccess of the control plane running as `account`. */
export function createNamespaceAccess(
  apis: KubeApis,
  account: ControlPlaneAccount = DEFAULT_CONTROL_PLANE_ACCOUNT,
  waitMs = BINDING_WAIT_MS,
): NamespaceAccess {
  /** Namespaces ensure() has bound (only the reconciler's instance fills it). */
  const done = new Set<string>();

  async function bind(namespace: string): Promise<void> {
    const wanted = appNamespaceBinding(namespace, account);
    const existing = await orUndefined(() => apis.roleBindings.read(namespace, APP_NAMESPACE_BINDING));
    if (existing === undefined) {
      try {
        await apis.roleBindings.create(namespace, wanted);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      return;
    }
    const same =
      existing.roleRef.name === APP_NAMESPACE_ROLE &&
      JSON.stringify(existing.subjects) === JSON.stringify(wanted.subjects);
    // roleRef cannot change in place: a binding that differs is replaced whole.
    if (!same) {
      await apis.roleBindings.delete(namespace, APP_NAMESPACE_BINDING);
      await apis.roleBindings.create(namespace, wanted);
    }
  }

  /** Waits until a Secrets list in `namespace` is no longer refused (RBAC's cache caught up). */
  async function inForce(namespace: string): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
      try {
        await apis.secrets.list(namespace, { labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY}` });
        return;
      } catch (err) {
        if (statusOf(err) !== 403) throw err;
        if (Date.now() > deadline) {
          throw new UnavailableError(
            "NAMESPACE_ACCESS_PENDING",
            `the control plane's access to ${namespace} is not in force after ${waitMs / 1000} s`,
            {
              hint: `check that the ClusterRole ${APP_NAMESPACE_ROLE} exists (kubectl apply -k deploy/) and try again`,
              cause: err,
            },
          );
        }
        await sleep(pause);
      }
    }
  }

  return {
    async grant(namespace) {
      await bind(namespace);
      await inForce(namespace);
    },
    async ensure(namespace) {
      if (done.has(namespace)) return;
      await bind(namespace);
      done.add(namespace);
    },
  };
}
