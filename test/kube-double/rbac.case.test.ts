import { randomUUID } from "node:crypto";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, eventually, statusOf, type Target } from "./harness.ts";

// RBAC's escalation check on RoleBindings, as the control plane relies on it to bind its
// Secrets role in each app namespace (packages/kube namespace-access.ts): a ServiceAccount
// with `bind` on one ClusterRole may bind that role and no other, unless it already holds
// every right of the other role. Runs on the real cluster and on the double (rbac on).

let t: Target;
let ns: string;
let rbac: k8s.RbacAuthorizationV1Api;
let binder: { core: k8s.CoreV1Api; rbac: k8s.RbacAuthorizationV1Api };
const id = randomUUID().slice(0, 8);
const secretsRole = `kd-secrets-${id}`;
const nodesRole = `kd-nodes-${id}`;
const binderRole = `kd-binder-${id}`;

const rule = (resources: string[], verbs: string[]): k8s.V1PolicyRule => ({ apiGroups: [""], resources, verbs });
const binding = (name: string, role: string, subject: string): k8s.V1RoleBinding => ({
  metadata: { name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
  subjects: [{ kind: "ServiceAccount", name: subject, namespace: ns }],
});

beforeAll(async () => {
  t = await connect({ rbac: true });
  ns = await t.namespace();
  rbac = t.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createClusterRole({ body: { metadata: { name: secretsRole }, rules: [rule(["secrets"], ["get", "list"])] } });
  await rbac.createClusterRole({ body: { metadata: { name: nodesRole }, rules: [rule(["nodes"], ["update"])] } });
  await rbac.createClusterRole({
    body: {
      metadata: { name: binderRole },
      rules: [
        { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["get", "create", "delete"] },
        { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"], resourceNames: [secretsRole] },
        rule(["configmaps"], ["get", "list"]),
      ],
    },
  });
  await t.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "binder" } } });
  await rbac.createNamespacedRoleBinding({ namespace: ns, body: binding("binder", binderRole, "binder") });
  const token = t.double
    ? t.double.tokenFor(ns, "binder")
    : ((await t.core.createNamespacedServiceAccountToken({ namespace: ns, name: "binder", body: { spec: { expirationSeconds: 3600 } } })).status?.token ?? "");
  const kc = new k8s.KubeConfig();
  const cluster = t.kc.getCurrentCluster()!;
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: "binder", token }],
    contexts: [{ name: "binder", cluster: cluster.name, user: "binder", namespace: ns }],
    currentContext: "binder",
  });
  binder = { core: kc.makeApiClient(k8s.CoreV1Api), rbac: kc.makeApiClient(k8s.RbacAuthorizationV1Api) };
  // The binder's own binding is in force (the real API server authorizes from a cache).
  await eventually(async () => (await binder.core.listNamespacedConfigMap({ namespace: ns })).items);
});
afterAll(async () => {
  for (const name of [secretsRole, nodesRole, binderRole]) await rbac?.deleteClusterRole({ name }).catch(() => undefined);
  await t?.close();
});

describe("RoleBinding escalation check", () => {
  it("lets a ServiceAccount bind the one ClusterRole it has `bind` on, which then grants its rights", async () => {
    const denied = statusOf(await binder.core.listNamespacedSecret({ namespace: ns }).catch((e: unknown) => e));
    expect(denied.code).toBe(403);
    await binder.rbac.createNamespacedRoleBinding({ namespace: ns, body: binding("secrets", secretsRole, "binder") });
    const secrets = await eventually(async () => (await binder.core.listNamespacedSecret({ namespace: ns })).items, 15_000);
    expect(Array.isArray(secrets)).toBe(true);
  });

  it("refuses a binding to a role whose rights it does not hold, naming them", async () => {
    const refused = statusOf(
      await binder.rbac.createNamespacedRoleBinding({ namespace: ns, body: binding("nodes", nodesRole, "binder") }).catch((e: unknown) => e),
    );
    expect(refused).toMatchObject({ code: 403, reason: "Forbidden" });
    expect(refused.message).toContain("is attempting to grant RBAC permissions not currently held");
    expect(refused.message).toContain("nodes");
  });

  it("allows a binding to a role whose rights it already holds there, without `bind`", async () => {
    const held = `kd-held-${id}`;
    await rbac.createClusterRole({ body: { metadata: { name: held }, rules: [rule(["configmaps"], ["get"])] } });
    try {
      const created = await binder.rbac.createNamespacedRoleBinding({ namespace: ns, body: binding("held", held, "binder") });
      expect(created.roleRef.name).toBe(held);
    } finally {
      await rbac.deleteClusterRole({ name: held }).catch(() => undefined);
    }
  });
});
