import type { KubeApi } from "./api.ts";
import type { User } from "./router.ts";
import { ApiError, forbidden } from "./status.ts";
import type { ResourceType } from "./types.ts";

// RBAC authorizer (rbac.authorization.k8s.io/v1 semantics): a request is allowed when a
// RoleBinding in its namespace or a ClusterRoleBinding binds the user, one of its groups,
// or its ServiceAccount to a Role/ClusterRole with a rule matching group, resource
// (or "resource/subresource"), verb and, if listed, resourceNames. system:masters bypasses.
// Writing a RoleBinding or ClusterRoleBinding also passes RBAC's escalation check: the
// writer needs `bind` on the role it refers to, or must already hold every right it grants.

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
  metadata: { namespace?: string; name?: string };
  subjects?: Subject[];
  roleRef: { kind: string; name: string };
}

function subjectMatches(s: Subject, user: User, bindingNs: string | undefined): boolean {
  if (s.kind === "User") return s.name === user.name;
  if (s.kind === "Group") return user.groups.includes(s.name);
  if (s.kind === "ServiceAccount") return user.name === `system:serviceaccount:${s.namespace ?? bindingNs ?? ""}:${s.name}`;
  return false;
}

type Target = Pick<ResourceType, "group" | "resource">;

function ruleAllows(r: PolicyRule, verb: string, t: Target, sub: string | undefined, name: string | undefined): boolean {
  const has = (list: string[] | undefined, v: string): boolean => !!list && (list.includes("*") || list.includes(v));
  if (!has(r.apiGroups, t.group)) return false;
  const res = sub ? `${t.resource}/${sub}` : t.resource;
  if (!has(r.resources, res) && !(sub && r.resources?.includes(`*/${sub}`))) return false;
  if (!has(r.verbs, verb)) return false;
  if (r.resourceNames && r.resourceNames.length > 0) return name !== undefined && r.resourceNames.includes(name);
  return true;
}

/** Whether RBAC lets `user` do `verb` on `t` (a resource, or its `sub`resource) in `ns`. */
function rbacAllows(api: KubeApi, user: User, verb: string, t: Target, ns: string | undefined, name: string | undefined, sub: string | undefined): boolean {
  if (user.groups.includes("system:masters")) return true;
  const reg = api.registry;
  const rulesOf = (ref: Binding["roleRef"], bindingNs: string | undefined): PolicyRule[] => {
    const role = ref.kind === "ClusterRole" ? api.find(reg.builtin("ClusterRole"), undefined, ref.name) : api.find(reg.builtin("Role"), bindingNs, ref.name);
    return (role?.rules as PolicyRule[] | undefined) ?? [];
  };
  const bindings: Binding[] = [
    ...(api.list(reg.builtin("ClusterRoleBinding")) as unknown as Binding[]),
    ...(ns !== undefined ? (api.list(reg.builtin("RoleBinding"), ns) as unknown as Binding[]) : []),
  ];
  return bindings.some(
    (b) =>
      (b.subjects ?? []).some((s) => subjectMatches(s, user, b.metadata.namespace)) &&
      rulesOf(b.roleRef, b.metadata.namespace).some((r) => ruleAllows(r, verb, t, sub, name)),
  );
}

/** Returns an authorize function for the router (throws 403 Forbidden when denied). */
export function createRbacAuthorizer(api: KubeApi): (user: User, verb: string, t: ResourceType, ns: string | undefined, name: string | undefined, sub: string | undefined) => void {
  return (user, verb, t, ns, name, sub) => {
    if (!rbacAllows(api, user, verb, t, ns, name, sub)) throw forbidden(user.name, verb, t, name, ns);
  };
}

/**
 * RBAC's escalation check for a RoleBinding or ClusterRoleBinding `binding` written in `ns`
 * (undefined: cluster-wide): allowed with `bind` on the role it refers to, or when the writer
 * already holds every right of that role there. Throws a 403 as the API server words it.
 */
export function createBindingGuard(api: KubeApi): (user: User, binding: Binding, ns: string | undefined) => void {
  const reg = api.registry;
  return (user, binding, ns) => {
    const ref = binding.roleRef;
    const roleType = reg.builtin(ref.kind === "Role" ? "Role" : "ClusterRole");
    if (rbacAllows(api, user, "bind", roleType, ns, ref.name, undefined)) return;
    const role = ref.kind === "Role" ? api.find(roleType, ns, ref.name) : api.find(roleType, undefined, ref.name);
    const missing: string[] = [];
    for (const rule of (role?.rules as PolicyRule[] | undefined) ?? []) {
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          const [res, sub] = resource.split("/") as [string, string | undefined];
          for (const verb of rule.verbs ?? []) {
            const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
            for (const name of names) {
              if (!rbacAllows(api, user, verb, { group, resource: res }, ns, name, sub)) missing.push(`{APIGroups:["${group}"], Resources:["${resource}"], Verbs:["${verb}"]}`);
            }
          }
        }
      }
    }
    if (role === undefined || missing.length > 0) {
      const kind = ns === undefined ? "clusterrolebindings" : "rolebindings";
      throw new ApiError(
        403,
        "Forbidden",
        `${kind}.rbac.authorization.k8s.io "${binding.metadata.name ?? ""}" is forbidden: user "${user.name}" (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.join("\n")}`,
        { group: "rbac.authorization.k8s.io", kind, ...(binding.metadata.name === undefined ? {} : { name: binding.metadata.name }) },
      );
    }
  };
}
