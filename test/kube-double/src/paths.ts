// Parses Kubernetes REST paths:
//   /api/v1[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]
//   /apis/<group>/<version>[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]

export interface ResourcePath {
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
}

export type ParsedPath =
  | { kind: "resource"; path: ResourcePath }
  | { kind: "groupVersion"; group: string; version: string }
  | { kind: "group"; group: string }
  | { kind: "apis" }
  | { kind: "api" }
  | { kind: "other"; path: string };

/** Classifies a request path. */
export function parsePath(pathname: string): ParsedPath {
  const segs = pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
  if (segs[0] === "api") {
    if (segs.length === 1) return { kind: "api" };
    if (segs.length === 2) return { kind: "groupVersion", group: "", version: segs[1]! };
    return resourcePath("", segs[1]!, segs.slice(2)) ?? { kind: "other", path: pathname };
  }
  if (segs[0] === "apis") {
    if (segs.length === 1) return { kind: "apis" };
    if (segs.length === 2) return { kind: "group", group: segs[1]! };
    if (segs.length === 3) return { kind: "groupVersion", group: segs[1]!, version: segs[2]! };
    return resourcePath(segs[1]!, segs[2]!, segs.slice(3)) ?? { kind: "other", path: pathname };
  }
  return { kind: "other", path: pathname };
}

function resourcePath(group: string, version: string, rest: string[]): ParsedPath | undefined {
  let namespace: string | undefined;
  // "namespaces/<ns>/<resource>..." unless it is the namespace object itself (+status/finalize).
  if (rest[0] === "namespaces" && rest.length >= 3 && rest[2] !== "status" && rest[2] !== "finalize") {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  return {
    kind: "resource",
    path: { group, version, namespace, resource: rest[0]!, name: rest[1], subresource: rest[2] },
  };
}
