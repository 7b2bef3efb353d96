import { apiVersionOf, typeKey, type ResourceType } from "./types.ts";

// The built-in resource types the double serves (those QuickStack and kubectl touch), plus
// whatever CRDs add at run time. Looked up by path (group/version/resource) and by kind.

type Row = Omit<ResourceType, "subresources" | "generation"> &
  Partial<Pick<ResourceType, "subresources" | "generation">>;

const all = ["all"];
const builtin: Row[] = [
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", singular: "namespace", namespaced: false, shortNames: ["ns"], subresources: ["status"] },
  { group: "", version: "v1", resource: "pods", kind: "Pod", singular: "pod", namespaced: true, shortNames: ["po"], categories: all, subresources: ["status", "log", "exec"] },
  { group: "", version: "v1", resource: "services", kind: "Service", singular: "service", namespaced: true, shortNames: ["svc"], categories: all, subresources: ["status"] },
  { group: "", version: "v1", resource: "endpoints", kind: "Endpoints", singular: "endpoints", namespaced: true, shortNames: ["ep"] },
  { group: "", version: "v1", resource: "secrets", kind: "Secret", singular: "secret", namespaced: true },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", singular: "configmap", namespaced: true, shortNames: ["cm"] },
  { group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", singular: "persistentvolumeclaim", namespaced: true, shortNames: ["pvc"], subresources: ["status"] },
  { group: "", version: "v1", resource: "persistentvolumes", kind: "PersistentVolume", singular: "persistentvolume", namespaced: false, shortNames: ["pv"], subresources: ["status"] },
  { group: "", version: "v1", resource: "events", kind: "Event", singular: "event", namespaced: true, shortNames: ["ev"] },
  { group: "", version: "v1", resource: "nodes", kind: "Node", singular: "node", namespaced: false, shortNames: ["no"], subresources: ["status"] },
  { group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", singular: "serviceaccount", namespaced: true, shortNames: ["sa"] },
  { group: "", version: "v1", resource: "resourcequotas", kind: "ResourceQuota", singular: "resourcequota", namespaced: true, shortNames: ["quota"], subresources: ["status"] },
  { group: "", version: "v1", resource: "limitranges", kind: "LimitRange", singular: "limitrange", namespaced: true, shortNames: ["limits"] },
  { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", singular: "deployment", namespaced: true, shortNames: ["deploy"], categories: all, subresources: ["status", "scale"], generation: true },
  { group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", singular: "replicaset", namespaced: true, shortNames: ["rs"], categories: all, subresources: ["status", "scale"], generation: true },
  { group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", singular: "statefulset", namespaced: true, shortNames: ["sts"], categories: all, subresources: ["status", "scale"], generation: true },
  { group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", singular: "daemonset", namespaced: true, shortNames: ["ds"], categories: all, subresources: ["status"], generation: true },
  { group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", singular: "horizontalpodautoscaler", namespaced: true, shortNames: ["hpa"], categories: all, subresources: ["status"], generation: true },
  { group: "batch", version: "v1", resource: "jobs", kind: "Job", singular: "job", namespaced: true, categories: all, subresources: ["status"], generation: true },
  { group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", singular: "cronjob", namespaced: true, shortNames: ["cj"], categories: all, subresources: ["status"], generation: true },
  { group: "networking.k8s.io", version: "v1", resource: "ingresses", kind: "Ingress", singular: "ingress", namespaced: true, shortNames: ["ing"], subresources: ["status"], generation: true },
  { group: "networking.k8s.io", version: "v1", resource: "networkpolicies", kind: "NetworkPolicy", singular: "networkpolicy", namespaced: true, shortNames: ["netpol"], generation: true },
  { group: "networking.k8s.io", version: "v1", resource: "ingressclasses", kind: "IngressClass", singular: "ingressclass", namespaced: false, generation: true },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", singular: "role", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", singular: "rolebinding", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole", singular: "clusterrole", namespaced: false },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings", kind: "ClusterRoleBinding", singular: "clusterrolebinding", namespaced: false },
  { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition", singular: "customresourcedefinition", namespaced: false, shortNames: ["crd", "crds"], subresources: ["status"], generation: true },
  { group: "storage.k8s.io", version: "v1", resource: "storageclasses", kind: "StorageClass", singular: "storageclass", namespaced: false, shortNames: ["sc"] },
  { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", singular: "lease", namespaced: true },
  { group: "policy", version: "v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", singular: "poddisruptionbudget", namespaced: true, shortNames: ["pdb"], subresources: ["status"], generation: true },
  { group: "admissionregistration.k8s.io", version: "v1", resource: "validatingadmissionpolicies", kind: "ValidatingAdmissionPolicy", singular: "validatingadmissionpolicy", namespaced: false, categories: ["api-extensions"], subresources: ["status"], generation: true },
  { group: "admissionregistration.k8s.io", version: "v1", resource: "validatingadmissionpolicybindings", kind: "ValidatingAdmissionPolicyBinding", singular: "validatingadmissionpolicybinding", namespaced: false, categories: ["api-extensions"], generation: true },
  { group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations", kind: "ValidatingWebhookConfiguration", singular: "validatingwebhookconfiguration", namespaced: false, categories: ["api-extensions"], generation: true },
  { group: "admissionregistration.k8s.io", version: "v1", resource: "mutatingwebhookconfigurations", kind: "MutatingWebhookConfiguration", singular: "mutatingwebhookconfiguration", namespaced: false, categories: ["api-extensions"], generation: true },
  { group: "metrics.k8s.io", version: "v1beta1", resource: "pods", kind: "PodMetrics", singular: "", namespaced: true, readOnly: true },
  { group: "metrics.k8s.io", version: "v1beta1", resource: "nodes", kind: "NodeMetrics", singular: "", namespaced: false, readOnly: true },
];

/** Resource types by path and kind; CRDs add and remove rows at run time. */
export class Registry {
  private readonly byPath = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();

  constructor() {
    for (const row of builtin) this.add({ subresources: [], generation: false, ...row });
  }

  add(t: ResourceType): void {
    this.byPath.set(`${t.group}/${t.version}/${t.resource}`, t);
    this.byKind.set(`${apiVersionOf(t)}/${t.kind}`, t);
  }

  remove(t: ResourceType): void {
    this.byPath.delete(`${t.group}/${t.version}/${t.resource}`);
    this.byKind.delete(`${apiVersionOf(t)}/${t.kind}`);
  }

  /** The type served at /apis/<group>/<version>/<resource>. */
  byResource(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  /** The type of an object with this apiVersion and kind. */
  forKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** Built-in type by kind name only (for controllers): "Deployment" → apps/v1 deployments. */
  builtin(kind: string): ResourceType {
    for (const t of this.byPath.values()) if (t.kind === kind && !t.crd && !t.readOnly) return t;
    throw new Error(`no built-in kind ${kind}`);
  }

  /** The (preferred) type stored under a store key "group/resource". */
  byKey(key: string): ResourceType | undefined {
    for (const t of this.byPath.values()) if (typeKey(t) === key && !t.readOnly) return t;
    return undefined;
  }

  types(): ResourceType[] {
    return [...this.byPath.values()];
  }

  /** Group → versions (preferred first) for /apis. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.byPath.values()) {
      if (t.group === "") continue;
      const versions = out.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      out.set(t.group, versions);
    }
    return out;
  }

  static key = typeKey;
}
