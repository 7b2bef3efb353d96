import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeDouble, type KubeDouble } from "../kube-double/src/index.ts";
import { tempDir } from "../support/tmp.ts";
import { repoRoot } from "./support.ts";

// The real `kubectl apply -k deploy/` against the Kubernetes API double (strict field
// validation: a misspelt field fails), then the control plane's ServiceAccount, with RBAC
// enforced, tries calls it needs (allowed) and calls it must not make (403).

const run = promisify(execFile);

interface Kubectl {
  (args: string[], input?: string): Promise<{ ok: boolean; out: string }>;
}

/** kubectl with one kubeconfig; resolves with ok=false and stderr instead of throwing. */
function kubectlWith(kubeconfig: string): Kubectl {
  return async (args, input) => {
    try {
      const child = run("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 30_000 });
      if (input !== undefined) child.child.stdin?.end(input);
      const { stdout } = await child;
      return { ok: true, out: stdout };
    } catch (err) {
      return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
    }
  };
}

describe("kubectl apply -k deploy/ on the API double", () => {
  let double: KubeDouble;
  let dir: { path: string; remove: () => Promise<void> };
  let admin: Kubectl;
  let controlPlane: Kubectl;
  const appNs = `qs-app-t${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    double = await startKubeDouble({ rbac: true });
    dir = await tempDir("qs-deploy-apply-");
    admin = kubectlWith(double.kubeconfigPath);
    const saConfig = join(dir.path, "control-plane.kubeconfig");
    await writeFile(
      saConfig,
      double.kubeconfigFor(double.tokenFor("qs-system", "quickstack"), "qs-system"),
      { mode: 0o600 },
    );
    controlPlane = kubectlWith(saConfig);
  });
  afterAll(async () => {
    await double?.close();
    await dir?.remove();
  });

  it("applies cleanly, and a second apply changes nothing", async () => {
    const first = await admin(["apply", "-k", join(repoRoot, "deploy")]);
    expect(first.out).not.toContain("error");
    expect(first.ok).toBe(true);
    for (const line of [
      "namespace/qs-system created",
      "customresourcedefinition.apiextensions.k8s.io/apps.quickstack.dev created",
      "clusterrole.rbac.authorization.k8s.io/quickstack-control-plane created",
      "statefulset.apps/redis created",
      "deployment.apps/registry created",
      "daemonset.apps/registry-node-proxy created",
      "deployment.apps/quickstack created",
      "service/quickstack-ssh created",
      "ingress.networking.k8s.io/quickstack created",
      "networkpolicy.networking.k8s.io/redis created",
      "networkpolicy.networking.k8s.io/registry created",
    ]) {
      expect(first.out).toContain(line);
    }
    const again = await admin(["apply", "-k", join(repoRoot, "deploy")]);
    expect(again.ok).toBe(true);
    expect(again.out).not.toMatch(/ (created|configured)$/m);
    const stored = double.find("apps/v1", "Deployment", "qs-system", "quickstack");
    expect(stored?.metadata.name).toBe("quickstack");
  });

  it("lets the control plane's ServiceAccount do what it needs", async () => {
    // `create -f -` sends JSON; kubectl's typed generators (`create namespace …`) send
    // protobuf, which the double does not decode.
    const manifests: [string, object][] = [
      ["namespace", { apiVersion: "v1", kind: "Namespace", metadata: { name: appNs } }],
      [
        "deployment",
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web", namespace: appNs },
          spec: {
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: { containers: [{ name: "web", image: "registry.qs-system.svc:5000/t:1" }] },
            },
          },
        },
      ],
      [
        // Its Secrets rights in the app's namespace (packages/kube namespace-access.ts).
        "binding of its Secrets role",
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "quickstack-control-plane", namespace: appNs },
          roleRef: {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "quickstack-app-namespace",
          },
          subjects: [{ kind: "ServiceAccount", name: "quickstack", namespace: "qs-system" }],
        },
      ],
      [
        "secret",
        { apiVersion: "v1", kind: "Secret", metadata: { name: "config", namespace: appNs } },
      ],
      [
        "service",
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web", namespace: appNs },
          spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 5000 }] },
        },
      ],
      [
        "build job in qs-builds",
        {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: "build-1", namespace: "qs-builds" },
          spec: {
            template: {
              spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                containers: [{ name: "build", image: "builder:1" }],
              },
            },
          },
        },
      ],
      [
        "one-off run pod",
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "web-run-1", namespace: appNs },
          spec: { restartPolicy: "Never", containers: [{ name: "run", image: "t:1" }] },
        },
      ],
    ];
    for (const [what, manifest] of manifests) {
      const result = await controlPlane(["create", "-f", "-"], JSON.stringify(manifest));
      expect(result.ok, `create ${what}: ${result.out}`).toBe(true);
    }
    const reads: string[][] = [
      ["-n", appNs, "get", "pods,replicasets,events,persistentvolumeclaims"],
      ["-n", "qs-system", "get", "configmaps"],
      ["-n", appNs, "get", "ingresses,networkpolicies,jobs"],
      ["-n", appNs, "get", "apps.quickstack.dev,releases.quickstack.dev"],
      ["-n", "qs-system", "get", "secrets"],
      ["get", "nodes"],
    ];
    for (const args of reads) {
      const result = await controlPlane(args);
      expect(result.ok, `${args.join(" ")}: ${result.out}`).toBe(true);
    }
    const cleanup: string[][] = [
      ["-n", appNs, "delete", "deployment", "web"],
      ["delete", "namespace", appNs, "--wait=false"],
    ];
    for (const args of cleanup) {
      const result = await controlPlane(args);
      expect(result.ok, `${args.join(" ")}: ${result.out}`).toBe(true);
    }
  });

  it("forbids the control plane what it must not do", async () => {
    const forbidden: string[][] = [
      ["delete", "node", "node-1"],
      ["label", "node", "node-1", "x=y"],
      ["create", "clusterrolebinding", "grab", "--clusterrole=cluster-admin", "--user=me"],
      // RoleBindings may be written, but `bind` holds only for quickstack-app-namespace:
      // RBAC's escalation check refuses any other role, and rights it does not hold.
      ["-n", "qs-system", "create", "rolebinding", "grab", "--clusterrole=edit", "--user=me"],
      ["-n", "qs-system", "create", "rolebinding", "grab", "--clusterrole=cluster-admin", "--serviceaccount=qs-system:quickstack"],
      // ServiceAccounts may be made (backup Jobs run as their own, qs-backup) but never
      // given rights: no Role or ClusterRoleBinding can be written.
      ["-n", "qs-system", "create", "role", "grab", "--verb=get", "--resource=secrets"],
      // Secrets only where it is bound: qs-system and the app namespaces it made.
      ["-n", "kube-system", "get", "secrets"],
      // ConfigMaps only in qs-system (the audit log).
      ["-n", "kube-system", "get", "configmaps"],
      // Pods and their logs only in qs-builds, qs-system and the app namespaces it made.
      ["get", "--raw", "/api/v1/namespaces/kube-system/pods/coredns/log"],
      ["-n", "kube-system", "get", "pods"],
      ["get", "pods", "--all-namespaces"],
      ["get", "secrets", "--all-namespaces"],
      ["get", "clusterroles"],
      ["get", "customresourcedefinitions"],
    ];
    for (const args of forbidden) {
      const result = await controlPlane(args);
      expect(result.ok, args.join(" ")).toBe(false);
      expect(result.out, args.join(" ")).toMatch(/forbidden/i);
    }
  });
});
