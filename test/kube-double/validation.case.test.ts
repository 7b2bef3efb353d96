import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, eventually, type Target } from "./harness.ts";

// Invalid manifests get the status code and reason a real v1.32 API server gives.

let target: Target;
beforeAll(async () => {
  target = await connect();
});
afterAll(async () => {
  await target.close();
});

const deployment = (name: string, extra: Record<string, unknown> = {}, replicas: unknown = 1): Record<string, unknown> => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: "v" } },
    template: { metadata: { labels: { app: "v" } }, spec: { containers: [{ name: "c", image: "busybox:1.35" }] } },
    ...extra,
  },
});

describe("built-in kinds", () => {
  it("an unknown field under fieldValidation=Strict is 400 BadRequest (strict decoding error)", async () => {
    const ns = await target.namespace();
    const res = await target.raw("POST", `/apis/apps/v1/namespaces/${ns}/deployments?fieldValidation=Strict`, deployment("u", { foo: 1 }));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
    expect(String(res.json().message)).toContain('strict decoding error: unknown field "spec.foo"');
  });

  it("an unknown field under fieldValidation=Warn is dropped with a Warning header", async () => {
    const ns = await target.namespace();
    const res = await target.raw("POST", `/apis/apps/v1/namespaces/${ns}/deployments?fieldValidation=Warn`, deployment("w", { foo: 1 }));
    expect(res.status).toBe(201);
    expect(String(res.headers.warning)).toContain('unknown field \\"spec.foo\\"');
    expect((res.json().spec as Record<string, unknown>).foo).toBeUndefined();
  });

  it("a wrong JSON type is 400 BadRequest from the decoder", async () => {
    const ns = await target.namespace();
    const res = await target.raw("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("t", {}, "three"));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ reason: "BadRequest" });
    expect(String(res.json().message)).toContain("cannot unmarshal string into Go struct field");
  });

  it("a bad name is 422 Invalid with the field path", async () => {
    const ns = await target.namespace();
    const res = await target.raw("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("Bad_Name"));
    expect(res.status).toBe(422);
    const s = res.json() as { reason: string; details: { causes: { field: string; reason: string }[] } };
    expect(s.reason).toBe("Invalid");
    expect(s.details.causes).toContainEqual(expect.objectContaining({ field: "metadata.name", reason: "FieldValueInvalid" }));
  });

  it("a missing required field is 422 Invalid (Required value)", async () => {
    const ns = await target.namespace();
    const body = deployment("r");
    (body.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers = [{ image: "busybox:1.35" }];
    const res = await target.raw("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, body);
    expect(res.status).toBe(422);
    const s = res.json() as { reason: string; details: { causes: { field: string; reason: string }[] } };
    expect(s.reason).toBe("Invalid");
    expect(s.details.causes).toContainEqual(expect.objectContaining({ field: "spec.template.spec.containers[0].name", reason: "FieldValueRequired" }));
  });

  it("secret data that is not base64 is 400 BadRequest", async () => {
    const ns = await target.namespace();
    const res = await target.raw("POST", `/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "not base64!" } });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ reason: "BadRequest" });
    expect(String(res.json().message)).toContain("illegal base64 data at input byte");
  });

  it("a service name must be a DNS-1035 label", async () => {
    const ns = await target.namespace();
    const res = await target.raw("POST", `/api/v1/namespaces/${ns}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "1web" }, spec: { ports: [{ port: 80 }] } });
    expect(res.status).toBe(422);
    expect(String(res.json().message)).toContain("DNS-1035 label");
  });

  it("kubectl apply of invalid manifests fails with the server's messages", async () => {
    const ns = await target.namespace();
    const unknown = JSON.stringify({ ...deployment("ku", { foo: 1 }), metadata: { name: "ku", namespace: ns } });
    await expect(target.kubectl(["apply", "-f", "-"], { input: unknown })).rejects.toThrow(/unknown field "spec.foo"/);
    const badName = JSON.stringify({ ...deployment("Bad_Name"), metadata: { name: "Bad_Name", namespace: ns } });
    await expect(target.kubectl(["apply", "-f", "-"], { input: badName })).rejects.toThrow(/is invalid: metadata.name/);
  });
});

describe("custom resources", () => {
  it("validates against the CRD's openAPIV3Schema and honours preserve-unknown-fields", async () => {
    const group = `g${Date.now().toString(36)}.kube-double.test`;
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    required: ["size"],
                    properties: {
                      size: { type: "integer", minimum: 1 },
                      color: { type: "string", enum: ["red", "blue"] },
                      extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                    },
                  },
                  status: { type: "object", properties: { ready: { type: "boolean" } } },
                },
              },
            },
          },
        ],
      },
    };
    const created = await target.raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    expect(created.status).toBe(201);
    try {
      await eventually(async () => {
        const r = await target.raw("GET", `/apis/${group}/v1`);
        return r.status === 200 ? true : undefined;
      });
      const ns = await target.namespace();
      const path = `/apis/${group}/v1/namespaces/${ns}/widgets`;
      // The storage may still be (re)initializing (429): wait until a list answers.
      await eventually(async () => ((await target.raw("GET", path)).status === 200 ? true : undefined));
      const widget = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: `${group}/v1`, kind: "Widget", metadata: { name }, spec });
      const ok = await target.raw("POST", `${path}?fieldValidation=Strict`, widget("ok", { size: 2, color: "red", extra: { any: { thing: 1 } } }));
      expect(ok.status).toBe(201);
      expect((ok.json().spec as Record<string, unknown>).extra).toEqual({ any: { thing: 1 } });
      const wrongType = await target.raw("POST", path, widget("t", { size: "big" }));
      expect(wrongType.status).toBe(422);
      expect(wrongType.json()).toMatchObject({ reason: "Invalid" });
      expect(JSON.stringify(wrongType.json())).toContain("spec.size");
      const missing = await target.raw("POST", path, widget("m", { color: "red" }));
      expect(missing.status).toBe(422);
      expect((missing.json().details as { causes: { field: string }[] }).causes).toContainEqual(expect.objectContaining({ field: "spec.size" }));
      const badEnum = await target.raw("POST", path, widget("e", { size: 1, color: "green" }));
      expect(badEnum.status).toBe(422);
      const unknown = await target.raw("POST", `${path}?fieldValidation=Strict`, widget("u", { size: 1, foo: 1 }));
      expect(unknown.status).toBe(400);
      expect(String(unknown.json().message)).toContain('unknown field "spec.foo"');
      const pruned = await target.raw("POST", `${path}?fieldValidation=Ignore`, widget("p", { size: 1, foo: 1 }));
      expect(pruned.status).toBe(201);
      expect((pruned.json().spec as Record<string, unknown>).foo).toBeUndefined();
      const status = await target.raw("PATCH", `${path}/ok/status`, { status: { ready: true } }, "application/merge-patch+json");
      expect(status.status).toBe(200);
      expect(status.json().status).toEqual({ ready: true });
    } finally {
      await target.raw("DELETE", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`);
    }
  });

  it("answers 429 with Retry-After while a new CRD's storage initializes, then serves it", async () => {
    const group = `i${Date.now().toString(36)}.kube-double.test`;
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: "Cluster",
        names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    };
    expect((await target.raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status).toBe(201);
    try {
      // Right after creation a real server answers 404 (not served yet), 429 (storage
      // initializing, with Retry-After) or 200; the double answers 429 for a moment.
      const first = await target.raw("GET", `/apis/${group}/v1/gadgets`);
      if (first.status === 429) {
        expect(first.headers["retry-after"]).toBe("1");
        expect(first.json()).toMatchObject({ kind: "Status", code: 429, reason: "TooManyRequests", message: "storage is (re)initializing" });
      } else {
        expect(target.double, "the double answers 429 first").toBeUndefined();
        expect([200, 404]).toContain(first.status);
      }
      await eventually(async () => ((await target.raw("GET", `/apis/${group}/v1/gadgets`)).status === 200 ? true : undefined));
    } finally {
      await target.raw("DELETE", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.${group}`);
    }
  });
});
