import type { KubeApi } from "./api.ts";
import type { User } from "./router.ts";
import { forbidden } from "./status.ts";
import type { ResourceType } from "./types.ts";

// RBAC authorizer (rbac.authorization.k8s.io/v1 semantics): a request is allowed when a
// RoleBinding in its namespace or a ClusterRoleBinding binds the user, one of its groups,
// or its ServiceAccount to a Role/ClusterRole with a rule matching group, resource
// (or "resource/subresource"), verb and, if listed, resourceNames. system:masters bypasses.

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
interface Binding {
  metadata: { namespace?: string };
  subjects?: Subject[];
  roleRef: { kind: string; name: string };
}

function subjectMatches(s: Subject, user: User, bindingNs: string | undefined): boolean {
  if (s.kind === "User") return s.name === user.name;
  if (s.kind === "Group") return user.groups.includes(s.name);
  if (s.kind === "ServiceAccount") return user.name === `system:serviceaccount:${s.namespace ?? bindingNs ?? ""}:${s.name}`;
  return false;
}

function ruleAllows(r: PolicyRule, verb: string, t: ResourceType, sub: string | undefined, name: string | undefined): boolean {
  const has = (list: string[] | undefined, v: string): boolean => !!list && (list.includes("*") || list.includes(v));
  if (!has(r.apiGroups, t.group)) return false;
  const res = sub ? `${t.resource}/${sub}` : t.resource;
  if (!has(r.resources, res) && !(sub && r.resources?.includes(`*/${sub}`))) return false;
  if (!has(r.verbs, verb)) return false;
  if (r.resourceNames && r.resourceNames.length > 0) return name !== undefined && r.resourceNames.includes(name);
  return true;
}

/** Returns an authorize function for the router (throws 403 Forbidden when denied). */
export function createRbacAuthorizer(api: KubeApi): (user: User, verb: string, t: ResourceType, ns: string | undefined, name: string | undefined, sub: string | undefined) => void {
  const reg = api.registry;
  return (user, verb, t, ns, name, sub) => {
    if (user.groups.includes("system:masters")) return;
    const rulesOf = (ref: Binding["roleRef"], bindingNs: string | undefined): PolicyRule[] => {
      const role = ref.kind === "ClusterRole" ? api.find(reg.builtin("ClusterRole"), undefined, ref.name) : api.find(reg.builtin("Role"), bindingNs, ref.name);
      return ((role?.rules as PolicyRule[] | undefined) ?? []);
    };
    const bindings: Binding[] = [
      ...(api.list(reg.builtin("ClusterRoleBinding")) as unknown as Binding[]),
      ...(ns !== undefined ? (api.list(reg.builtin("RoleBinding"), ns) as unknown as Binding[]) : []),
    ];
    for (const b of bindings) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, b.metadata.namespace))) continue;
      if (rulesOf(b.roleRef, b.metadata.namespace).some((r) => ruleAllows(r, verb, t, sub, name))) return;
    }
    throw forbidden(user.name, verb, t, name, ns);
  };
}
