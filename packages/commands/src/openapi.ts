import { QS_VERSION } from "@qs/core";
import type { ApiField, Command } from "./command.ts";
import type { Registry } from "./registry.ts";

type Schema = Record<string, unknown>;

const ERROR_SCHEMA: Schema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "Stable code, e.g. APP_NOT_FOUND, USAGE, INVALID_DOMAIN" },
        message: { type: "string" },
        hint: { type: "string", description: "What to do next" },
      },
    },
  },
};

/** The OpenAPI 3.1 document of /api/v1, generated from the verbs' routes. */
export function buildOpenApi(registry: Registry): Schema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const command of registry.commands) {
    if (command.api === undefined) continue;
    const route = command.api;
    const item = (paths[route.path] ??= {});
    item[route.method] = operation(command);
  }
  paths["/commands/{name}"] = {
    post: {
      operationId: "runCommand",
      summary: "Run any command by name with SSH-style arguments",
      parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: { type: "object", properties: { args: { type: "array", items: { type: "string" } } } },
          },
        },
      },
      responses: responses(),
    },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "QuickStack API",
      version: QS_VERSION,
      description: "The same commands as `ssh qs …`, in JSON. Errors carry the same codes.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token (tokens:create)" } },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}

function operation(command: Command): Schema {
  const route = command.api;
  if (route === undefined) return {};
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const query = Object.entries(route.query ?? {}).map(([name, f]) => ({
    name,
    in: "query",
    required: f.required === true,
    description: f.description,
    schema: fieldSchema(f),
  }));
  const op: Schema = {
    operationId: command.name.replace(/[:-](\w)/g, (_, c: string) => c.toUpperCase()),
    summary: command.summary,
    description: `Same as \`ssh qs ${command.name} ${command.usage}\`.${command.adminOnly === true ? " Admins only." : ""}`,
    tags: [command.name.split(":")[0]],
    parameters: [...params, ...query],
    responses: responses(),
  };
  if (route.body !== undefined) {
    const required = Object.entries(route.body).filter(([, f]) => f.required === true).map(([n]) => n);
    op.requestBody = {
      required: required.length > 0,
      content: {
        "application/json": {
          schema: {
            type: "object",
            ...(required.length > 0 ? { required } : {}),
            properties: Object.fromEntries(
              Object.entries(route.body).map(([n, f]) => [n, { ...fieldSchema(f), description: f.description }]),
            ),
          },
        },
      },
    };
  }
  return op;
}

function fieldSchema(field: ApiField): Schema {
  if (field.type === "array") return { type: "array", items: { type: "string" } };
  if (field.type === "object") return { type: "object", additionalProperties: { type: "string" } };
  return { type: field.type };
}

function responses(): Schema {
  const error = { description: "", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  return {
    "200": { description: "The command's JSON result (as `--json` prints it)", content: { "application/json": { schema: {} } } },
    "400": { ...error, description: "Usage or validation error" },
    "401": { ...error, description: "Missing or bad token" },
    "403": { ...error, description: "Not allowed for this user" },
    "404": { ...error, description: "Not found" },
    "409": { ...error, description: "Conflict" },
    "413": { ...error, description: "Limit exceeded" },
  };
}
