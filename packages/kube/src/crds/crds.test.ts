import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { quickstackCrds } from "./index.ts";
import { crdFiles } from "./yaml.ts";

const dir = new URL("../../../../deploy/crds/", import.meta.url);

/** Fails when a schema allows unknown fields without saying so. */
function findPreserveUnknown(node: unknown, path: string, out: string[]): string[] {
  if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "x-kubernetes-preserve-unknown-fields") out.push(path);
      findPreserveUnknown(v, `${path}.${k}`, out);
    }
  }
  return out;
}

describe("CRDs", () => {
  it("deploy/crds matches the TypeScript source (run write-crds.ts after editing)", () => {
    const files = crdFiles();
    expect(readdirSync(dir).sort()).toEqual([...files.keys()].sort());
    for (const [file, text] of files) expect(readFileSync(new URL(file, dir), "utf8"), file).toBe(text);
  });

  it("are structural: every schema node has a type and nothing preserves unknown fields", () => {
    for (const crd of quickstackCrds().values()) {
      const schema = crd.spec.versions[0]?.schema.openAPIV3Schema;
      expect(schema).toBeDefined();
      expect(findPreserveUnknown(schema, "", [])).toEqual([]);
      const untyped: string[] = [];
      const walk = (node: Record<string, unknown>, path: string): void => {
        if (typeof node.type !== "string") untyped.push(path);
        for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>))
          walk(v, `${path}.${k}`);
        if (typeof node.items === "object") walk(node.items as Record<string, unknown>, `${path}[]`);
        if (typeof node.additionalProperties === "object")
          walk(node.additionalProperties as Record<string, unknown>, `${path}{}`);
      };
      walk(schema as unknown as Record<string, unknown>, crd.metadata.name);
      expect(untyped).toEqual([]);
    }
  });

  it("keep the Release spec immutable and give Apps a status subresource and printer columns", () => {
    const [app, release] = [...quickstackCrds().values()];
    const rel = release?.spec.versions[0]?.schema.openAPIV3Schema.properties.spec;
    expect(rel?.["x-kubernetes-validations"]).toEqual([{ rule: "self == oldSelf", message: "a release is immutable" }]);
    const v = app?.spec.versions[0];
    expect(v?.subresources).toEqual({ status: {} });
    expect(v?.additionalPrinterColumns.map((c) => c.name)).toEqual(["Release", "Ready", "Status", "Age"]);
  });
});
