import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger } from "@qs/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/support/tmp.ts";
import { parseAllDocuments } from "yaml";
import { startKubeDouble, type KubeDouble } from "../../../test/kube-double/src/index.ts";
import { type KubeApis, createKubeApis, statusOf } from "./apis.ts";
import { createAppStore } from "./app-store.ts";
import { installCrds } from "./crds/install.ts";
import { APP_NAMESPACE_BINDING, APP_NAMESPACE_ROLE, appNamespaceBinding, createNamespaceAccess } from "./namespace-access.ts";
import { loadKubeConnection } from "./rest/connection.ts";
import { createReconciler } from "./reconciler/reconciler.ts";

// The control plane's Secrets rights, with deploy/base/rbac applied to the API double and
// RBAC enforced: none in a namespace until it binds quickstack-app-namespace there, none
// ever in namespaces it did not make, and `bind` for that one role only.

const rbacDir = join(import.meta.dirname, "../../../deploy/base/rbac");
const account = { namespace: "qs-system", name: "quickstack" };
let double: KubeDouble;
let admin: KubeApis;
let cp: KubeApis;
let dir: { path: string; remove: () => Promise<void> };

const status = async (p: Promise<unknown>): Promise<number | undefined> => {
  try {
    await p;
    return 200;
  } catch (err) {
    return statusOf(err);
  }
};

beforeAll(async () => {
  double = await startKubeDouble({ rbac: true });
  admin = createKubeApis(loadKubeConnection(double.kubeconfigPath));
  await installCrds(admin);
  for (const name of ["qs-system", "qs-builds"]) await admin.namespaces.create({ metadata: { name } });
  for (const file of ["service-account.yaml", "cluster-role.yaml", "binding.yaml", "app-namespace-role.yaml", "system-role.yaml", "builds-role.yaml"]) {
    for (const doc of parseAllDocuments(await readFile(join(rbacDir, file), "utf8"))) {
      const obj = doc.toJS() as { apiVersion: string; kind: string; metadata: { namespace?: string } };
      const plural = `${obj.kind.toLowerCase()}s`;
      const base = obj.apiVersion === "v1" ? "/api/v1" : `/apis/${obj.apiVersion}`;
      const path = obj.metadata.namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${obj.metadata.namespace}/${plural}`;
      await admin.rest.json("POST", path, { body: obj });
    }
  }
  dir = await tempDir("qs-ns-access-");
  const saConfig = join(dir.path, "control-plane.kubeconfig");
  await writeFile(saConfig, double.kubeconfigFor(double.tokenFor(account.namespace, account.name), account.namespace), { mode: 0o600 });
  cp = createKubeApis(loadKubeConnection(saConfig));
});
afterAll(async () => {
  cp?.rest.close();
  admin?.rest.close();
  await double?.close();
  await dir?.remove();
});

describe("the control plane's Secrets rights", () => {
  it("has none in a new namespace until it binds its role there, then has them", async () => {
    const ns = "qs-app-grant";
    await cp.namespaces.create({ metadata: { name: ns } });
    expect(await status(cp.secrets.list(ns))).toBe(403);
    await createNamespaceAccess(cp, account).grant(ns);
    expect(await status(cp.secrets.create(ns, { metadata: { name: "config" }, stringData: { A: "1" } }))).toBe(200);
    const binding = await admin.roleBindings.read(ns, APP_NAMESPACE_BINDING);
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: APP_NAMESPACE_ROLE });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "quickstack", namespace: "qs-system" }]);
    // A second grant (another process, a retry) changes nothing.
    await createNamespaceAccess(cp, account).grant(ns);
    expect((await admin.roleBindings.read(ns, APP_NAMESPACE_BINDING)).metadata?.resourceVersion).toBe(binding.metadata?.resourceVersion);
  });

  it("reads Secrets in qs-system, and nowhere it was not bound", async () => {
    expect(await status(cp.secrets.list("qs-system"))).toBe(200);
    await admin.secrets.create("kube-system", { metadata: { name: "token" }, stringData: { t: "x" } });
    expect(await status(cp.secrets.list("kube-system"))).toBe(403);
    expect(await status(cp.secrets.read("kube-system", "token"))).toBe(403);
    expect(await status(cp.secrets.listAll())).toBe(403);
  });

  it("reads pods and their logs in qs-builds and where it bound its role, and nowhere else", async () => {
    // RBAC answers before the pod is looked up: 403 where it may not read, else 404 (no such pod).
    const log = (ns: string) => status(cp.rest.text(`/api/v1/namespaces/${ns}/pods/none/log`));
    expect(await log("kube-system")).toBe(403);
    expect(await log("qs-system")).toBe(403);
    expect(await log("qs-builds")).toBe(404);
    expect(await status(cp.pods.list("kube-system"))).toBe(403);
    expect(await status(cp.pods.listAll())).toBe(403);
    expect(await status(cp.pods.list("qs-builds"))).toBe(200);
    // In qs-system, only reads (the backup target's connection test).
    expect(await status(cp.pods.list("qs-system"))).toBe(200);
    expect(await status(cp.pods.delete("qs-system", "none"))).toBe(403);
    const ns = "qs-app-logs";
    await cp.namespaces.create({ metadata: { name: ns } });
    expect(await log(ns)).toBe(403);
    expect(await status(cp.pods.list(ns))).toBe(403);
    await createNamespaceAccess(cp, account).grant(ns);
    expect(await log(ns)).toBe(404);
    expect(await status(cp.pods.list(ns))).toBe(200);
    expect(await status(cp.pods.delete(ns, "none"))).toBe(404);
  });

  it("may bind its own role and no other (RBAC's escalation check)", async () => {
    const ns = "qs-app-escalate";
    await cp.namespaces.create({ metadata: { name: ns } });
    const grab = (role: string): RoleBindingBody => ({
      ...appNamespaceBinding(ns, account),
      metadata: { name: `grab-${role}`, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    });
    // A role with a right it does not hold, and one that does not exist.
    await admin.rest.json("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
      body: { metadata: { name: "node-writer" }, rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["update"] }] },
    });
    await expect(cp.roleBindings.create(ns, grab("node-writer"))).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining("attempting to grant RBAC permissions not currently held"),
    });
    await expect(cp.roleBindings.create(ns, grab("cluster-admin"))).rejects.toMatchObject({ code: 403 });
    expect(await status(cp.roleBindings.create(ns, grab(APP_NAMESPACE_ROLE)))).toBe(200);
  });

  it("replaces a binding in the app namespace that names someone else", async () => {
    const ns = "qs-app-tampered";
    await admin.namespaces.create({ metadata: { name: ns } });
    await admin.roleBindings.create(ns, appNamespaceBinding(ns, { namespace: "qs-builds", name: "default" }));
    await createNamespaceAccess(cp, account).grant(ns);
    expect((await admin.roleBindings.read(ns, APP_NAMESPACE_BINDING)).subjects).toEqual([
      { kind: "ServiceAccount", name: "quickstack", namespace: "qs-system" },
    ]);
    expect(await status(cp.secrets.list(ns))).toBe(200);
  });

  it("apps:create as the control plane makes the namespace, the binding and the config Secret", async () => {
    const app = await createAppStore(cp, account).create("shop", "alice");
    expect(app.name).toBe("shop");
    expect((await cp.secrets.read("qs-app-shop", "shop-config")).metadata?.name).toBe("shop-config");
  });

  it("the reconciler binds it in an app namespace made before the binding existed (an upgrade)", async () => {
    const app = await createAppStore(admin, account).create("old", "alice");
    await admin.roleBindings.delete("qs-app-old", APP_NAMESPACE_BINDING);
    expect(await status(cp.secrets.list("qs-app-old"))).toBe(403);
    const reconciler = createReconciler({ apis: cp, logger: silentLogger, options: { account } });
    try {
      await reconciler.reconcile(app.name);
      expect(await status(cp.secrets.list("qs-app-old"))).toBe(200);
    } finally {
      await reconciler.close();
    }
    // A starting reconciler binds it in every app namespace it looks after before its first pass.
    const other = await createAppStore(admin, account).create("older", "alice");
    await admin.roleBindings.delete("qs-app-older", APP_NAMESPACE_BINDING);
    const starting = createReconciler({
      apis: cp,
      logger: silentLogger,
      options: { account, owns: (name) => name === other.name, resyncIntervalMs: 3_600_000 },
    });
    try {
      await starting.start();
      expect((await admin.roleBindings.read("qs-app-older", APP_NAMESPACE_BINDING)).roleRef.name).toBe(APP_NAMESPACE_ROLE);
    } finally {
      await starting.close();
    }
  });

  it("gives up with a hint when the binding does not take effect (the role is missing)", async () => {
    const ns = "qs-app-norole";
    await admin.namespaces.create({ metadata: { name: ns } });
    await admin.rest.json("DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterroles/${APP_NAMESPACE_ROLE}`);
    try {
      // Without the role, `bind` still lets the binding be written; it grants nothing.
      await expect(createNamespaceAccess(cp, account, 300).grant(ns)).rejects.toMatchObject({
        code: "NAMESPACE_ACCESS_PENDING",
        hint: expect.stringContaining("kubectl apply -k deploy/"),
      });
    } finally {
      const role = parseAllDocuments(await readFile(join(rbacDir, "app-namespace-role.yaml"), "utf8"))[0]!.toJS() as unknown;
      await admin.rest.json("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", { body: role });
    }
  });
});

type RoleBindingBody = ReturnType<typeof appNamespaceBinding>;
