import type { Registry } from "./resources.ts";
import type { JsonObject, ResourceType } from "./types.ts";

// Legacy discovery documents (/api, /apis, /apis/<g>/<v>). Aggregated discovery
// (Accept: ...;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList) is answered with the
// legacy document and Content-Type application/json, which client-go treats as "server
// does not support aggregation" and falls back to these endpoints, as it does for older servers.

const rwVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** /version */
export function versionInfo(): JsonObject {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.4+kube-double",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.23.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** /api */
export function coreVersions(): JsonObject {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }],
  };
}

function groupDoc(group: string, versions: string[]): JsonObject {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions: vs, preferredVersion: vs[0]! };
}

/** /apis */
export function groupList(registry: Registry): JsonObject {
  const groups = [...registry.groups()].map(([g, vs]) => groupDoc(g, vs));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** /apis/<group> */
export function groupInfo(registry: Registry, group: string): JsonObject | undefined {
  const vs = registry.groups().get(group);
  return vs ? groupDoc(group, vs) : undefined;
}

function entries(t: ResourceType): JsonObject[] {
  const base: JsonObject = {
    name: t.resource,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.readOnly ? ["get", "list"] : rwVerbs,
  };
  if (t.shortNames) base.shortNames = t.shortNames;
  if (t.categories) base.categories = t.categories;
  const out = [base];
  for (const sub of t.subresources) {
    const e: JsonObject = { name: `${t.resource}/${sub}`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] };
    if (sub === "scale") Object.assign(e, { group: "autoscaling", version: "v1", kind: "Scale" });
    if (sub === "log") e.verbs = ["get"];
    if (sub === "exec") Object.assign(e, { kind: "PodExecOptions", verbs: ["create", "get"] });
    out.push(e);
  }
  return out;
}

/** /api/v1 or /apis/<group>/<version>, undefined when unknown. */
export function resourceList(registry: Registry, group: string, version: string): JsonObject | undefined {
  const types = registry.types().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources: types.flatMap(entries),
  };
}
