import { describe, expect, it } from "vitest";
import { defaultRegistry } from "./commands.ts";
import { buildOpenApi } from "./openapi.ts";

type Op = { operationId: string; parameters: { name: string; in: string }[]; responses: Record<string, unknown> };

describe("OpenAPI document", () => {
  const doc = buildOpenApi(defaultRegistry()) as { openapi: string; paths: Record<string, Record<string, Op>> };
  const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

  it("is OpenAPI 3.1 with one operation per routed verb plus /commands/{name}", () => {
    expect(doc.openapi).toBe("3.1.0");
    const routed = defaultRegistry().commands.filter((c) => c.api !== undefined).length;
    expect(ops).toHaveLength(routed + 1);
  });

  it("has unique operation ids and declares every path parameter", () => {
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, op } of ops) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect([path, op.parameters.filter((p) => p.in === "path").map((p) => p.name)]).toEqual([path, inPath]);
      expect(Object.keys(op.responses)).toContain("200");
    }
  });

  it("never routes two verbs to the same method and path", () => {
    const keys = defaultRegistry()
      .commands.filter((c) => c.api !== undefined)
      .map((c) => `${c.api?.method ?? ""} ${c.api?.path ?? ""}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
