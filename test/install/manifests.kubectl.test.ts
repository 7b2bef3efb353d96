import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_BUILDER_IMAGES } from "@qs/builder";
import { CONFIG_VARIABLES } from "@qs/config";
import { podSpec, type Rule } from "./pod-spec.ts";
import { findObject, renderKustomize, repoRoot, type KubeObject } from "./support.ts";

// Renders deploy/ with the real `kubectl kustomize` and asserts what the cluster will get:
// security settings on every pod, the control plane's shape, QS_* env, RBAC, policies.

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
const spec = <T>(o: KubeObject): T => o.spec as T;

const objects = renderKustomize(join(repoRoot, "deploy"));
const workloads = objects.filter((o) => WORKLOADS.has(o.kind));
const controlPlane = findObject(objects, "Deployment", "quickstack");
const cpContainer = podSpec(controlPlane).containers[0]!;

describe("deploy/ rendered by kubectl kustomize", () => {
  it("holds the namespace, CRDs, RBAC, Redis, the registry and the control plane", () => {
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "Namespace/qs-system",
        "Namespace/qs-builds",
        "CustomResourceDefinition/apps.quickstack.dev",
        "CustomResourceDefinition/releases.quickstack.dev",
        "ServiceAccount/quickstack",
        "ClusterRole/quickstack-control-plane",
        "ClusterRoleBinding/quickstack-control-plane",
        "ClusterRole/quickstack-app-namespace",
        "Role/quickstack-control-plane",
        "RoleBinding/quickstack-control-plane",
        "StatefulSet/redis",
        "Service/redis",
        "NetworkPolicy/redis",
        "Deployment/registry",
        "Service/registry",
        "PersistentVolumeClaim/registry-data",
        "DaemonSet/registry-node-proxy",
        "NetworkPolicy/registry",
        "Deployment/quickstack",
        "PersistentVolumeClaim/quickstack-data",
        "Service/quickstack",
        "Service/quickstack-ssh",
        "Ingress/quickstack",
      ]),
    );
    // Every namespaced object lives in qs-system, but for the control plane's build-log
    // Role and its binding in qs-builds.
    const clusterScoped = new Set([
      "Namespace",
      "CustomResourceDefinition",
      "ClusterRole",
      "ClusterRoleBinding",
    ]);
    for (const o of objects.filter((x) => !clusterScoped.has(x.kind))) {
      const builds = o.kind.startsWith("Role") && o.metadata.name === "quickstack-builds";
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(builds ? "qs-builds" : "qs-system");
    }
  });

  it.each(workloads.map((w) => [`${w.kind}/${w.metadata.name}`, w] as const))(
    "%s runs restricted: non-root, RuntimeDefault seccomp, no caps, read-only root, limits",
    (_name, workload) => {
      const pod = podSpec(workload);
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.securityContext?.allowPrivilegeEscalation, c.name).toBe(false);
        expect(c.securityContext?.readOnlyRootFilesystem, c.name).toBe(true);
        expect(c.securityContext?.runAsNonRoot, c.name).toBe(true);
        expect(c.securityContext?.capabilities?.drop, c.name).toEqual(["ALL"]);
        expect(c.securityContext?.capabilities?.add, c.name).toBeUndefined();
        for (const kind of ["requests", "limits"] as const) {
          expect(Object.keys(c.resources?.[kind] ?? {}).sort(), `${c.name} ${kind}`).toEqual([
            "cpu",
            "memory",
          ]);
        }
        // Pinned: an explicit version tag (or digest), never latest.
        expect(c.image, c.name).toMatch(/^[a-z0-9./-]+(:[0-9][\w.-]*|@sha256:[0-9a-f]{64})$/);
        // Writable root is off, so /tmp must be a volume.
        expect(
          c.volumeMounts?.map((m) => m.mountPath),
          c.name,
        ).toContain("/tmp");
      }
      // Only the control plane talks to the Kubernetes API.
      const isControlPlane = workload === controlPlane;
      expect(pod.automountServiceAccountToken).toBe(isControlPlane);
    },
  );

  it("runs the control plane as one Recreate replica with probes, a PVC and /tmp", () => {
    const s = spec<{ replicas: number; strategy: { type: string } }>(controlPlane);
    expect(s.replicas).toBe(1);
    expect(s.strategy.type).toBe("Recreate");
    const pod = podSpec(controlPlane);
    expect(pod.serviceAccountName).toBe("quickstack");
    expect(cpContainer.image).toBe("quickstack/control-plane:0.1.0");
    expect(cpContainer.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(cpContainer.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(cpContainer.ports).toEqual([
      { name: "http", containerPort: 8080 },
      { name: "ssh", containerPort: 2222 },
      { name: "build-context", containerPort: 8081 },
    ]);
    const mounts = Object.fromEntries(
      (cpContainer.volumeMounts ?? []).map((m) => [m.mountPath, m.name]),
    );
    const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
    expect(volumes[mounts["/var/lib/quickstack"]!]?.persistentVolumeClaim?.claimName).toBe(
      "quickstack-data",
    );
    expect(volumes[mounts["/tmp"]!]?.emptyDir).toBeDefined();
    findObject(objects, "PersistentVolumeClaim", "quickstack-data");
  });

  it("configures the control plane only with QS_* variables from qs.env.example", () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    const envNames = (cpContainer.env ?? []).map((e) => e.name);
    for (const name of envNames) expect(known.has(name), name).toBe(true);
    const settingsName = cpContainer.envFrom?.[0]?.configMapRef?.name ?? "";
    expect(settingsName).toMatch(/^quickstack-settings-/);
    const settings = findObject(objects, "ConfigMap", settingsName).data as Record<string, string>;
    for (const key of Object.keys(settings)) expect(known.has(key), key).toBe(true);
    // Every variable is set somewhere, except those left to their in-cluster defaults.
    const set = new Set([...envNames, ...Object.keys(settings)]);
    expect(CONFIG_VARIABLES.filter((v) => !set.has(v))).toEqual(["QS_KUBECONFIG"]);
    expect(settings.QS_DATA_DIR).toBe("/var/lib/quickstack");
    expect(settings.QS_REGISTRY_URL).toBe("http://registry.qs-system.svc:5000");
    // The builder images install.sh pins are the build package's defaults.
    expect([settings.QS_BUILDER_KANIKO_IMAGE, settings.QS_BUILDER_BUILDKIT_IMAGE, settings.QS_BUILDER_FETCH_IMAGE]).toEqual([
      DEFAULT_BUILDER_IMAGES.kaniko,
      DEFAULT_BUILDER_IMAGES.buildkit,
      DEFAULT_BUILDER_IMAGES.fetch,
    ]);
    // Secrets only by reference, never as literal values in the pod spec.
    const fromSecret = Object.fromEntries(
      (cpContainer.env ?? [])
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => [e.name, e.valueFrom!.secretKeyRef!]),
    );
    expect(fromSecret).toEqual({
      QS_REDIS_URL: { name: "quickstack-redis", key: "url" },
      QS_REGISTRY_USERNAME: { name: "quickstack-registry", key: "username" },
      QS_REGISTRY_PASSWORD: { name: "quickstack-registry", key: "password" },
      QS_ADMIN_SSH_KEY: { name: "quickstack-admin", key: "ssh-key", optional: true },
      QS_ADMIN_TOTP_SECRET: { name: "quickstack-admin", key: "totp-secret", optional: true },
    });
    for (const e of cpContainer.env ?? []) expect(e.value, e.name).toBeUndefined();
  });

  it("references only Secrets (and keys) that install.sh generates", () => {
    // Joined continuation lines, so each secret_manifest call is one line.
    const installer = readFileSync(join(repoRoot, "scripts/install/quickstack.sh"), "utf8").replace(
      /\\\n\s*/g,
      " ",
    );
    const refs = new Set<string>();
    for (const w of workloads) {
      const pod = podSpec(w);
      for (const c of pod.containers) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) refs.add(`${ref.name} ${ref.key}`);
        }
      }
      for (const v of pod.volumes ?? []) if (v.secret) refs.add(`${v.secret.secretName} htpasswd`);
    }
    expect(refs.size).toBeGreaterThan(4);
    for (const ref of refs) {
      const [name, key] = ref.split(" ") as [string, string];
      const manifestCall = new RegExp(`secret_manifest ${name} [^\\n]*"${key}=`);
      expect(installer, ref).toMatch(manifestCall);
    }
  });

  it("runs Redis with AOF, a password from its Secret and a PVC", () => {
    const redis = findObject(objects, "StatefulSet", "redis");
    const pod = podSpec(redis);
    const c = pod.containers[0]!;
    expect(c.env).toEqual([
      {
        name: "REDIS_PASSWORD",
        valueFrom: { secretKeyRef: { name: "quickstack-redis", key: "password" } },
      },
    ]);
    const config = objects.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("redis-config-"),
    )!;
    const conf = (config.data as Record<string, string>)["redis.conf"]!;
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(conf).toMatch(/^include \/run\/redis\/auth.conf$/m);
    expect(conf).not.toMatch(/^requirepass/m);
    const claims = spec<{ volumeClaimTemplates: { metadata: { name: string } }[] }>(
      redis,
    ).volumeClaimTemplates;
    expect(claims.map((t) => t.metadata.name)).toEqual(["data"]);
    expect(c.volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
  });

  it("runs the registry with htpasswd auth from its Secret on a PVC", () => {
    const registry = findObject(objects, "Deployment", "registry");
    const pod = podSpec(registry);
    const c = pod.containers[0]!;
    expect(c.image).toMatch(/^registry:2\.\d+\.\d+$/);
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    expect(env.REGISTRY_AUTH).toBe("htpasswd");
    expect(env.REGISTRY_AUTH_HTPASSWD_PATH).toBe("/auth/htpasswd");
    expect(spec<{ strategy: { type: string } }>(registry).strategy.type).toBe("Recreate");
    const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
    expect(volumes.auth?.secret?.secretName).toBe("quickstack-registry");
    expect(volumes.data?.persistentVolumeClaim?.claimName).toBe("registry-data");
  });

  it("lets nodes pull only through a loopback-bound relay, not a NodePort", () => {
    for (const svc of objects.filter((o) => o.kind === "Service")) {
      expect(spec<{ type: string }>(svc).type, svc.metadata.name).not.toBe("NodePort");
    }
    const relay = findObject(objects, "DaemonSet", "registry-node-proxy");
    expect(podSpec(relay).containers[0]!.ports).toEqual([
      { name: "registry", containerPort: 5000, hostPort: 5000, hostIP: "127.0.0.1" },
    ]);
    // No other pod asks for a host port.
    const hostPorts = workloads.flatMap((w) =>
      podSpec(w).containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort)),
    );
    expect(hostPorts).toHaveLength(1);
  });

  it("admits only the control plane to Redis, and only control plane, builders and relays to the registry", () => {
    type Peer = {
      podSelector: { matchLabels: object };
      namespaceSelector?: { matchLabels: object };
    };
    const from = (name: string): Peer[] =>
      spec<{ ingress: { from: Peer[] }[] }>(
        findObject(objects, "NetworkPolicy", name),
      ).ingress.flatMap((rule) => rule.from);
    const controlPlaneLabels = {
      "app.kubernetes.io/name": "quickstack",
      "app.kubernetes.io/component": "control-plane",
    };
    expect(from("redis")).toEqual([{ podSelector: { matchLabels: controlPlaneLabels } }]);
    expect(from("registry")).toEqual([
      { podSelector: { matchLabels: controlPlaneLabels } },
      // Builder Jobs (packages/builder: namespace qs-builds, component "build").
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "qs-builds" } },
        podSelector: { matchLabels: { "app.kubernetes.io/component": "build" } },
      },
      {
        podSelector: {
          matchLabels: {
            "app.kubernetes.io/name": "registry-node-proxy",
            "app.kubernetes.io/component": "registry-node-proxy",
          },
        },
      },
    ]);
    // The control plane's pods carry the labels the policies admit.
    const labels = (controlPlane.spec as { template: { metadata: { labels: object } } }).template
      .metadata.labels;
    expect(labels).toMatchObject(controlPlaneLabels);
  });

  it("publishes SSH through ServiceLB on 2222 and HTTP through a TLS Ingress", () => {
    const ssh = spec<{ type: string; ports: { port: number; targetPort: string }[] }>(
      findObject(objects, "Service", "quickstack-ssh"),
    );
    expect(ssh.type).toBe("LoadBalancer");
    expect(ssh.ports).toEqual([{ name: "ssh", port: 2222, targetPort: "ssh", protocol: "TCP" }]);
    const http = spec<{ type: string }>(findObject(objects, "Service", "quickstack"));
    expect(http.type).toBe("ClusterIP");
    const ingress = findObject(objects, "Ingress", "quickstack");
    expect(ingress.metadata.annotations).toMatchObject({
      "cert-manager.io/cluster-issuer": "letsencrypt",
    });
    const ing = spec<{ ingressClassName: string; tls: { hosts: string[]; secretName: string }[] }>(
      ingress,
    );
    expect(ing.ingressClassName).toBe("traefik");
    expect(ing.tls).toEqual([{ hosts: ["qs.example.com"], secretName: "quickstack-tls" }]);
  });

  it("grants the control plane what it uses and nothing like cluster-admin", () => {
    const clusterRules = findObject(objects, "ClusterRole", "quickstack-control-plane")
      .rules as Rule[];
    const allows = (rules: Rule[], group: string, resource: string, verb: string): boolean =>
      rules.some(
        (r) =>
          r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
      );
    const crud = ["get", "list", "watch", "create", "update", "patch", "delete"];
    const needs: [string, string, string[]][] = [
      ["", "namespaces", crud],
      ["apps", "deployments", crud],
      ["apps", "replicasets", ["get", "list", "watch"]],
      ["", "services", crud],
      ["networking.k8s.io", "ingresses", crud],
      ["networking.k8s.io", "networkpolicies", crud],
      ["", "persistentvolumeclaims", crud],
      ["batch", "jobs", crud],
      ["", "events", ["get", "list", "watch", "create"]],
      ["cert-manager.io", "certificates", ["get", "list", "watch"]],
      ["acme.cert-manager.io", "orders", ["get", "list"]],
      ["acme.cert-manager.io", "challenges", ["get", "list"]],
      ["quickstack.dev", "apps", [...crud, "deletecollection"]],
      ["quickstack.dev", "releases", [...crud, "deletecollection"]],
      ["quickstack.dev", "apps/status", ["get", "update", "patch"]],
      ["quickstack.dev", "releases/status", ["get", "update", "patch"]],
      ["", "nodes", ["get", "list", "watch"]],
      // doctor reads each kubelet's /stats/summary directly (packages/kube doctor/stats-summary.ts).
      ["", "nodes/stats", ["get"]],
      ["metrics.k8s.io", "pods", ["get", "list"]],
      ["metrics.k8s.io", "nodes", ["get", "list"]],
    ];
    for (const [group, resource, verbs] of needs) {
      for (const verb of verbs) {
        expect(allows(clusterRules, group, resource, verb), `${verb} ${group}/${resource}`).toBe(
          true,
        );
      }
    }
    // Production applies deploy/crds with the installer; the control plane never writes CRDs.
    expect(
      allows(clusterRules, "apiextensions.k8s.io", "customresourcedefinitions", "create"),
    ).toBe(false);
    expect(allows(clusterRules, "", "nodes", "update")).toBe(false);
    expect(allows(clusterRules, "", "nodes", "delete")).toBe(false);
    // nodes/proxy reaches every kubelet endpoint (exec, run) past the admission policy.
    for (const verb of ["get", "create"]) expect(allows(clusterRules, "", "nodes/proxy", verb)).toBe(false);
    expect(clusterRules.flatMap((r) => r.resources).filter((r) => r.startsWith("nodes/"))).toEqual(["nodes/stats"]);
    for (const rule of clusterRules) {
      expect(rule.apiGroups).not.toContain("*");
      expect(rule.resources).not.toContain("*");
      expect(rule.verbs).not.toContain("*");
      for (const v of ["escalate", "impersonate"]) expect(rule.verbs).not.toContain(v);
    }
    // In RBAC's own group: RoleBindings, and `bind` on the one app-namespace role only.
    expect(clusterRules.filter((r) => r.apiGroups.includes("rbac.authorization.k8s.io"))).toEqual([
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["get", "create", "delete"] },
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["clusterroles"],
        verbs: ["bind"],
        resourceNames: ["quickstack-app-namespace"],
      },
    ]);
    // Secrets, ConfigMaps and pods (their logs, exec and attach too) are not cluster-wide: a
    // Role in qs-system (the audit log's ConfigMaps, the backup target check's pods), one in
    // qs-builds (build pods and logs), and a ClusterRole the control plane binds in each app
    // namespace it makes for Secrets and pods (packages/kube namespace-access.ts).
    for (const resource of ["secrets", "configmaps", "pods", "pods/log", "pods/exec", "pods/attach"]) {
      for (const verb of ["get", "list", "watch", "create"]) expect(allows(clusterRules, "", resource, verb), `${verb} ${resource}`).toBe(false);
    }
    const secrets = { apiGroups: [""], resources: ["secrets"], verbs: crud };
    const logs = { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] };
    // create: one-off `apps:run` pods; attach: their TTY; exec: `apps:enter` (packages/kube ops/cluster-ops.ts).
    expect(findObject(objects, "ClusterRole", "quickstack-app-namespace").rules).toEqual([
      secrets,
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
      logs,
      { apiGroups: [""], resources: ["pods/exec", "pods/attach"], verbs: ["create", "get"] },
    ]);
    const systemRole = findObject(objects, "Role", "quickstack-control-plane");
    expect(systemRole.metadata.namespace).toBe("qs-system");
    expect(systemRole.rules).toEqual([
      secrets,
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "create", "update", "delete"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    ]);
    const buildsRole = findObject(objects, "Role", "quickstack-builds");
    expect(buildsRole.metadata.namespace).toBe("qs-builds");
    expect(buildsRole.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }, logs]);
    const bindings = objects.filter((o) => o.kind.endsWith("RoleBinding"));
    expect(bindings.map((b) => `${b.kind}->${(b.roleRef as { kind: string; name: string }).name}@${b.metadata.namespace ?? ""}`).sort()).toEqual([
      "ClusterRoleBinding->quickstack-control-plane@",
      "RoleBinding->quickstack-builds@qs-builds",
      "RoleBinding->quickstack-control-plane@qs-system",
    ]);
    for (const b of bindings) {
      expect(b.subjects).toEqual([
        { kind: "ServiceAccount", name: "quickstack", namespace: "qs-system" },
      ]);
    }
  });

  it("documents every RBAC rule in RBAC.md", () => {
    const doc = readFileSync(join(repoRoot, "deploy/base/rbac/RBAC.md"), "utf8");
    const rules = objects.filter((o) => o.kind === "ClusterRole" || o.kind === "Role").flatMap((o) => o.rules as Rule[]);
    for (const rule of rules) {
      for (const resource of rule.resources) {
        const group = rule.apiGroups[0] === "" ? "core" : rule.apiGroups[0]!;
        // A table row "| group | resource | verbs | why |" (cells may be padded).
        const row = new RegExp(`^\\|\\s*${group}\\s*\\|\\s*${resource}\\s*\\|`, "m");
        expect(doc, `${group} ${resource}`).toMatch(row);
      }
    }
  });
});
