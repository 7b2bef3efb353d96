import type { Registry } from "./resources.ts";
import type { JsonObject } from "./types.ts";

// A minimal /openapi/v3: the index of group-versions and, per group-version, PATCH operations
// tagged with x-kubernetes-group-version-kind that list the fieldValidation query parameter.
// That is what kubectl's QueryParamVerifierV3 reads to decide that the server validates
// fields itself (so `kubectl apply` sends fieldValidation=Strict instead of downloading
// schemas for client-side validation). Component schemas are not served; kubectl then
// computes apply patches from its compiled-in types, as it does for servers without OpenAPI.

function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

/** /openapi/v3 */
export function openapiIndex(registry: Registry): JsonObject {
  const paths: JsonObject = {};
  for (const t of registry.types()) {
    const p = gvPath(t.group, t.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=kube-double` };
  }
  return { paths };
}

/** /openapi/v3/<api/v1 | apis/g/v>, undefined when unknown. */
export function openapiGroupVersion(registry: Registry, gv: string): JsonObject | undefined {
  const types = registry.types().filter((t) => gvPath(t.group, t.version) === gv && !t.readOnly);
  if (types.length === 0) return undefined;
  const paths: JsonObject = {};
  const params = ["dryRun", "fieldManager", "fieldValidation", "force"].map((name) => ({ name, in: "query", schema: { type: "string" } }));
  for (const t of types) {
    const base = t.namespaced ? `/${gv}/namespaces/{namespace}/${t.resource}/{name}` : `/${gv}/${t.resource}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.kind}`,
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": { group: t.group, version: t.version, kind: t.kind },
        parameters: params,
        responses: { "200": { description: "OK" } },
      },
    };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.4" }, paths, components: { schemas: {} } };
}
