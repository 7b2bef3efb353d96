import type { IncomingMessage, ServerResponse } from "node:http";
import type { DeleteOptions, KubeApi } from "./api.ts";
import { serverSideApply } from "./apply.ts";
import { coreVersions, groupInfo, groupList, resourceList, versionInfo } from "./discovery.ts";
import { parseBody, readBody, readRawBody, sendError, sendJson } from "./http-util.ts";
import { decodeProtobuf } from "./protobuf.ts";
import { openapiGroupVersion, openapiIndex } from "./openapi.ts";
import { jsonPatch, mergePatch, strategicMerge } from "./patch.ts";
import { parsePath, type ResourcePath } from "./paths.ts";
import { checkKind, fieldAndLabel, listOf, scaleOf, setReplicas, withKind } from "./rest-helpers.ts";
import { storageInitializing } from "./crds.ts";
import { ApiError, badRequest, methodNotAllowed, notFoundPath, successStatus } from "./status.ts";
import { apiVersionOf, type KubeObject, type ResourceType } from "./types.ts";
import { toTable, type PrinterColumn } from "./table.ts";
import { serveWatch, type WatchSettings } from "./watch.ts";

// The HTTP front of the double: authentication, faults, discovery and the generic REST verbs
// over every registered resource type. Pod log/exec and metrics plug in as handlers.

/** The authenticated caller. */
export interface User {
  name: string;
  groups: string[];
}

/** Everything a request handler may need. */
export interface RequestContext {
  user: User;
  query: URLSearchParams;
  path: ResourcePath;
  type: ResourceType;
}

/** A handler for a subresource or computed resource (log, exec, metrics). */
export type ExtraHandler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => Promise<void>;

export interface RouterOptions {
  api: KubeApi;
  /** Maps a bearer token to a user; undefined → 401. */
  authenticate: (token: string | undefined) => User | undefined;
  /** Throws a 403 ApiError when the user may not do this (RBAC); no-op when unset. */
  authorize: (user: User, verb: string, t: ResourceType, namespace: string | undefined, name: string | undefined, sub: string | undefined) => void;
  /** RBAC's escalation check on a RoleBinding/ClusterRoleBinding body (throws a 403). */
  authorizeBinding: (user: User, binding: KubeObject, namespace: string | undefined) => void;
  /** Called first for every API request: may delay or throw an injected failure. */
  beforeRequest: (req: IncomingMessage) => Promise<void>;
  watchSettings: () => WatchSettings;
  /** fieldValidation used when the request does not say. */
  defaultFieldValidation: "Strict" | "Warn" | "Ignore";
  handlers: { log?: ExtraHandler; metrics?: ExtraHandler; statsSummary?: (node: string) => unknown };
  /** Tracks open streams so close() can end them. */
  track: (end: () => void) => () => void;
}

/** RoleBindings and ClusterRoleBindings, whose writes pass RBAC's escalation check. */
const isBinding = (t: ResourceType): boolean =>
  t.group === "rbac.authorization.k8s.io" && (t.resource === "rolebindings" || t.resource === "clusterrolebindings");

const patchTypes = new Set([
  "application/merge-patch+json",
  "application/json-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
  "application/apply-patch+cbor",
]);

function verbOf(method: string, p: ResourcePath, q: URLSearchParams): string {
  switch (method) {
    case "GET":
      if (q.get("watch") === "true" || q.get("watch") === "1") return "watch";
      return p.name === undefined ? "list" : "get";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return p.name === undefined ? "deletecollection" : "delete";
    default:
      return method.toLowerCase();
  }
}

/** Builds the request listener. */
export function createRouter(o: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(o, req, res).catch((err: unknown) => sendError(res, err));
  };
}

async function handle(o: RouterOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const p = url.pathname;
  if (p === "/healthz" || p === "/livez" || p === "/readyz") {
    res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    return;
  }
  const auth = req.headers.authorization;
  const token = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : undefined;
  const user = o.authenticate(token);
  if (!user) throw new ApiError(401, "Unauthorized", "Unauthorized");
  await o.beforeRequest(req);
  const parsed = parsePath(p);
  const registry = o.api.registry;
  switch (parsed.kind) {
    case "api":
      return sendJson(res, 200, coreVersions());
    case "apis":
      return sendJson(res, 200, groupList(registry));
    case "group": {
      const g = groupInfo(registry, parsed.group);
      if (!g) throw notFoundPath();
      return sendJson(res, 200, g);
    }
    case "groupVersion": {
      const list = resourceList(registry, parsed.group, parsed.version);
      if (!list) throw notFoundPath();
      return sendJson(res, 200, list);
    }
    case "other":
      if (p === "/version") return sendJson(res, 200, versionInfo());
      // The node proxy's kubelet stats summary (RBAC: get nodes/proxy), for volume usage.
      {
        const stats = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/stats\/summary$/.exec(p);
        if (stats !== null && o.handlers.statsSummary !== undefined && (req.method ?? "GET") === "GET") {
          const name = decodeURIComponent(stats[1] ?? "");
          o.authorize(user, "get", registry.builtin("Node"), undefined, name, "proxy");
          return sendJson(res, 200, o.handlers.statsSummary(name));
        }
      }
      if (p === "/openapi/v3") return sendJson(res, 200, openapiIndex(registry));
      if (p.startsWith("/openapi/v3/")) {
        const doc = openapiGroupVersion(registry, p.slice("/openapi/v3/".length));
        if (doc) return sendJson(res, 200, doc);
      }
      throw notFoundPath();
    case "resource":
      break;
  }
  const path = parsed.path;
  const t = registry.byResource(path.group, path.version, path.resource);
  if (!t) throw notFoundPath();
  if (t.crd !== undefined && storageInitializing(o.api, t.crd)) {
    throw new ApiError(429, "TooManyRequests", "storage is (re)initializing", { retryAfterSeconds: 1 });
  }
  if (path.subresource && !t.subresources.includes(path.subresource as "status")) throw notFoundPath();
  if (t.namespaced && path.namespace === undefined && path.name !== undefined) throw notFoundPath();
  if (!t.namespaced && path.namespace !== undefined) throw notFoundPath();
  const q = url.searchParams;
  const verb = verbOf(req.method ?? "GET", path, q);
  o.authorize(user, verb, t, path.namespace, path.name, path.subresource);
  const ctx: RequestContext = { user, query: q, path, type: t };
  if (t.readOnly) {
    if (verb !== "get" && verb !== "list") throw methodNotAllowed();
    if (!o.handlers.metrics) throw notFoundPath();
    return o.handlers.metrics(req, res, ctx);
  }
  if (path.subresource === "log") {
    if (!o.handlers.log) throw notFoundPath();
    return o.handlers.log(req, res, ctx);
  }
  if (path.subresource === "exec") throw badRequest("Upgrade request required");
  await rest(o, req, res, ctx, verb);
}

async function rest(o: RouterOptions, req: IncomingMessage, res: ServerResponse, ctx: RequestContext, verb: string): Promise<void> {
  const { api } = o;
  const { type: t, path, query: q } = ctx;
  const ns = path.namespace;
  const sub = path.subresource;
  const dryRun = q.getAll("dryRun").includes("All");
  const fv = q.get("fieldValidation") ?? o.defaultFieldValidation;
  const strict = fv === "Strict";
  const fieldManager = q.get("fieldManager") ?? undefined;
  const warnings: string[] = [];
  const writeOpts = { dryRun, strict, fieldManager, warnings, subresource: sub === "status" ? ("status" as const) : undefined };
  // Warnings travel as RFC 7234 Warning headers with code 299, as the real server sends them.
  const reply = (code: number, body: unknown): void =>
    sendJson(res, code, body, warnings.length > 0 ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {});

  if (verb === "watch") {
    const settings = o.watchSettings();
    const timeout = q.get("timeoutSeconds");
    return serveWatch(
      api,
      {
        type: t,
        namespace: ns,
        resourceVersion: q.get("resourceVersion") ?? undefined,
        match: fieldAndLabel(t, q, path.name),
        timeoutSeconds: timeout === null ? undefined : Number(timeout),
        allowBookmarks: q.get("allowWatchBookmarks") === "true",
        sendInitialEvents: q.get("sendInitialEvents") === "true",
        ...(/(^|[;,\s])as=Table/.test(req.headers.accept ?? "") ? { transform: (obj: KubeObject) => toTable(t, [withKind(t, obj)], obj.metadata.resourceVersion, q.get("includeObject"), undefined, printerColumnsOf(api, t)) } : {}),
      },
      res,
      settings,
      o.track,
    );
  }
  const asTable = /(^|[;,\s])as=Table/.test(req.headers.accept ?? "") && !sub;
  if (verb === "list") {
    const list = listOf(api, t, ns, q);
    if (!asTable) return sendJson(res, 200, list);
    const meta = list.metadata as unknown as { resourceVersion: string; continue?: string };
    return sendJson(res, 200, toTable(t, list.items as KubeObject[], meta.resourceVersion, q.get("includeObject"), meta.continue, printerColumnsOf(api, t)));
  }
  if (verb === "get") {
    const obj = api.get(t, ns, path.name!);
    if (asTable) return sendJson(res, 200, toTable(t, [withKind(t, obj)], String(api.store.rv), q.get("includeObject"), undefined, printerColumnsOf(api, t)));
    return sendJson(res, 200, sub === "scale" ? scaleOf(obj) : withKind(t, obj));
  }
  if (verb === "deletecollection") {
    const match = fieldAndLabel(t, q, undefined);
    const items = api.list(t, ns).filter(match);
    for (const item of items) api.delete(t, item.metadata.namespace, item.metadata.name, { dryRun });
    return sendJson(res, 200, { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata: { resourceVersion: String(api.store.rv) }, items });
  }
  if (verb === "delete") {
    const text = await readBody(req);
    const body = (text.trim() ? parseBody(text, false) : {}) as DeleteOptions & { kind?: string };
    const opts: DeleteOptions = { ...body, dryRun };
    const pp = q.get("propagationPolicy");
    if (pp) opts.propagationPolicy = pp as DeleteOptions["propagationPolicy"];
    const gp = q.get("gracePeriodSeconds");
    if (gp !== null) opts.gracePeriodSeconds = Number(gp);
    const { object, removed } = api.delete(t, ns, path.name!, opts);
    if (!removed) return sendJson(res, 202, withKind(t, object));
    if (t.kind === "Pod" || t.kind === "Namespace") return sendJson(res, 200, withKind(t, object));
    return sendJson(res, 200, successStatus(t, object.metadata.name, object.metadata.uid));
  }
  const raw = await readRawBody(req);
  let contentType = (req.headers["content-type"] ?? "application/json").split(";")[0]!.trim();
  let text = raw.toString("utf8");
  if ((verb === "create" || verb === "update") && contentType === "application/vnd.kubernetes.protobuf") {
    text = JSON.stringify(decodeProtobuf(raw));
    contentType = "application/json";
  }
  if ((verb === "create" || verb === "update") && contentType !== "application/json" && contentType !== "application/yaml") {
    // Only JSON bodies are understood; clients that prefer protobuf/CBOR fall back on 415.
    throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  if (verb === "create") {
    if (sub) throw methodNotAllowed();
    const body = parseBody(text, contentType === "application/yaml") as KubeObject;
    checkKind(t, body);
    if (isBinding(t)) o.authorizeBinding(ctx.user, body, ns);
    const created = api.create(t, body, ns, writeOpts);
    return reply(201, withKind(t, created));
  }
  if (verb === "update") {
    const body = parseBody(text, contentType === "application/yaml") as KubeObject;
    if (sub === "scale") return reply(200, scaleOf(setReplicas(api, t, ns, path.name!, body, writeOpts)));
    checkKind(t, body);
    if (body.metadata?.name !== undefined && body.metadata.name !== path.name) {
      throw badRequest("the name of the object does not match the name on the URL");
    }
    body.metadata = { ...(body.metadata ?? {}), name: path.name! };
    if (isBinding(t)) o.authorizeBinding(ctx.user, body, ns);
    return reply(200, withKind(t, api.update(t, body, ns, writeOpts)));
  }
  if (verb === "patch") {
    if (!patchTypes.has(contentType)) {
      throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${[...patchTypes].join(", ")}`);
    }
    if (contentType.startsWith("application/apply-patch")) {
      const config = parseBody(text, true) as KubeObject;
      const force = q.get("force") === "true";
      const { object, created } = serverSideApply(api, t, ns, path.name!, config, { ...writeOpts, force, fieldManager });
      return reply(created ? 201 : 200, sub === "scale" ? scaleOf(object) : withKind(t, object));
    }
    const patch = parseBody(text, false);
    const current = api.get(t, ns, path.name!);
    const base: unknown = sub === "scale" ? scaleOf(current) : current;
    let next: unknown;
    if (contentType === "application/json-patch+json") next = jsonPatch(base, patch);
    else if (contentType === "application/merge-patch+json") next = mergePatch(base, patch);
    else next = strategicMerge(base, patch);
    const obj = next as KubeObject;
    if (sub === "scale") return reply(200, scaleOf(setReplicas(api, t, ns, path.name!, obj, writeOpts)));
    // A patch that does not name a resourceVersion applies to the latest object.
    const sentRv = (patch as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
    obj.metadata = { ...obj.metadata, resourceVersion: sentRv ?? current.metadata.resourceVersion, name: path.name! };
    return reply(200, withKind(t, api.update(t, obj, ns, writeOpts)));
  }
  throw methodNotAllowed();
}

/** The served version's additionalPrinterColumns of a custom resource, if any. */
function printerColumnsOf(api: KubeApi, t: ResourceType): PrinterColumn[] | undefined {
  if (t.crd === undefined) return undefined;
  const crd = api.find(api.registry.builtin("CustomResourceDefinition"), undefined, t.crd);
  const versions = (crd?.spec as { versions?: { name: string; additionalPrinterColumns?: PrinterColumn[] }[] } | undefined)?.versions;
  return versions?.find((v) => v.name === t.version)?.additionalPrinterColumns;
}
