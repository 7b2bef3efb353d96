import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evalJsonPath } from "./src/table.ts";
import { startKubeDouble, type KubeDouble } from "./src/index.ts";

// `kubectl get` on a custom resource prints the CRD's additionalPrinterColumns, as a real
// API server does (DESIGN.md: `kubectl get apps -A` must tell the truth).
const run = promisify(execFile);

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.test" },
  spec: {
    group: "example.test",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer" } } },
              status: { type: "object", properties: { phase: { type: "string" }, parts: { type: "array", items: { type: "string" } } } },
            },
          },
        },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Size", type: "integer", jsonPath: ".spec.size" },
          { name: "Phase", type: "string", jsonPath: ".status.phase" },
          { name: "First", type: "string", jsonPath: ".status.parts[0]" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      },
    ],
  },
};

describe("custom resource printer columns", () => {
  let double: KubeDouble;
  const kubectl = async (...args: string[]) => (await run("kubectl", ["--kubeconfig", double.kubeconfigPath, ...args])).stdout;

  beforeAll(async () => {
    double = await startKubeDouble({ controllers: false });
    const type = double.type("apiextensions.k8s.io/v1", "CustomResourceDefinition");
    double.api.create(type, crd as never, undefined, {});
  });
  afterAll(async () => {
    await double?.close();
  });

  it("evaluates the JSONPaths printer columns use", () => {
    expect(evalJsonPath({ a: { b: [{ c: 3 }] } }, ".a.b[0].c")).toBe(3);
    expect(evalJsonPath({ a: {} }, ".a.b.c")).toBeUndefined();
  });

  it("prints them with kubectl get", async () => {
    const type = double.type("example.test/v1", "Widget");
    await kubectl("create", "namespace", "w");
    double.api.create(type, { apiVersion: "example.test/v1", kind: "Widget", metadata: { name: "gear", namespace: "w" }, spec: { size: 3 } } as never, "w", {});
    double.api.mutate(type, "w", "gear", (o) => {
      o.status = { phase: "Ready", parts: ["cog", "axle"] };
    }, "status");
    const out = await kubectl("get", "widgets", "-n", "w");
    const [header, row] = out.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual(["NAME", "SIZE", "PHASE", "FIRST", "AGE"]);
    expect(row?.split(/\s+/).slice(0, 4)).toEqual(["gear", "3", "Ready", "cog"]);
  });
});
