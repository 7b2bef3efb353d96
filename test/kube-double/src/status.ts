import type { JsonObject, ResourceType } from "./types.ts";

// metav1.Status as the API server writes it (apimachinery/pkg/api/errors). Every error the
// double answers is one of these, thrown as ApiError and serialised by the router.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** An API error carrying the exact Status body the real server sends. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
  /** The Status object for the response body. */
  toStatus(): JsonObject {
    return statusBody(this.code, this.reason, this.message, this.details);
  }
}

/** A failure Status body. */
export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): JsonObject {
  const body: JsonObject = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  };
  if (details) body.details = JSON.parse(JSON.stringify(details)) as JsonObject;
  return body;
}

/** The success Status returned by DELETE for most kinds. */
export function successStatus(t: ResourceType, name: string, uid: string): JsonObject {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name, group: t.group, kind: t.resource, uid },
  };
}

/** "deployments.apps" / "pods": how messages name a resource. */
export function qualifiedResource(t: Pick<ResourceType, "group" | "resource">): string {
  return t.group === "" ? t.resource : `${t.resource}.${t.group}`;
}

/** "Deployment.apps" / "Pod": how Invalid messages name a kind. */
export function qualifiedKind(t: Pick<ResourceType, "group" | "kind">): string {
  return t.group === "" ? t.kind : `${t.kind}.${t.group}`;
}

export function notFound(t: ResourceType, name: string): ApiError {
  return new ApiError(404, "NotFound", `${qualifiedResource(t)} "${name}" not found`, {
    name,
    group: t.group,
    kind: t.resource,
  });
}

export function alreadyExists(t: ResourceType, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${qualifiedResource(t)} "${name}" already exists`, {
    name,
    group: t.group,
    kind: t.resource,
  });
}

export function conflict(t: ResourceType, name: string, why: string): ApiError {
  return new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": ${why}`,
    { name, group: t.group, kind: t.resource },
  );
}

export function staleConflict(t: ResourceType, name: string): ApiError {
  return conflict(
    t,
    name,
    "the object has been modified; please apply your changes to the latest version and try again",
  );
}

/** 422 Invalid with field causes, message formatted as the real server does. */
export function invalid(t: ResourceType, name: string, causes: StatusCause[]): ApiError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  return new ApiError(422, "Invalid", `${qualifiedKind(t)} "${name}" is invalid: ${list}`, {
    name,
    group: t.group,
    kind: t.kind,
    causes,
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

export function notFoundPath(): ApiError {
  return new ApiError(404, "NotFound", "the server could not find the requested resource", {});
}

export function gone(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}

export function forbidden(
  user: string,
  verb: string,
  t: ResourceType,
  name: string | undefined,
  namespace: string | undefined,
): ApiError {
  const res = qualifiedResource(t);
  const scope = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
  const what = name ? `${res} "${name}" is forbidden` : `${res} is forbidden`;
  return new ApiError(
    403,
    "Forbidden",
    `${what}: User "${user}" cannot ${verb} resource "${t.resource}" in API group "${t.group}"${scope}`,
    { name, group: t.group, kind: t.resource },
  );
}
