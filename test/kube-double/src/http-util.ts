import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest } from "./status.ts";

// Small helpers for the raw node:http handlers: bodies, JSON answers, Status errors.

/** Reads the request body as text (bounded, as the real server limits request size). */
export async function readBody(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<string> {
  return (await readRawBody(req, limit)).toString("utf8");
}

/** Reads the request body as bytes (bounded). */
export async function readRawBody(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON (or, for apply patches, YAML) body. */
export function parseBody(text: string, yaml: boolean): unknown {
  if (text.trim() === "") throw badRequest("Object 'Kind' is missing in '{}'");
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding ${yaml ? "YAML" : "JSON"}: ${(err as Error).message}`);
  }
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes an error as a Status object. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e = err instanceof ApiError ? err : new ApiError(500, "InternalError", `Internal error occurred: ${(err as Error).message}`);
  const headers: Record<string, string> = {};
  if (e.details?.retryAfterSeconds !== undefined) headers["Retry-After"] = String(e.details.retryAfterSeconds);
  sendJson(res, e.code, e.toStatus(), headers);
}
