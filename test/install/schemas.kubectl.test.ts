import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.ts";
import { renderKustomize, repoRoot, runCommand, type KubeObject } from "./support.ts";

// Every object the installer applies (deploy/ plus deploy/policy through its overlay),
// validated against the official Kubernetes OpenAPI schemas as packaged by
// kubernetes-models (types, required fields, enums). deploy-apply.double.test.ts adds the
// API double's strict decoding (unknown fields) for everything the double serves.

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

/** The kubernetes-models class for an object's apiVersion and kind. */
async function modelFor(o: KubeObject): Promise<ModelClass> {
  const [group, version] = o.apiVersion.includes("/")
    ? (o.apiVersion.split("/") as [string, string])
    : ["", o.apiVersion];
  const path = group === "" ? `v1/${o.kind}` : `${group}/${version}/${o.kind}`;
  const mod = (await import(`kubernetes-models/${path}`)) as Record<string, ModelClass>;
  const model = mod[o.kind];
  if (!model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  return model;
}

describe("official Kubernetes schemas", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let objects: KubeObject[];
  beforeAll(async () => {
    dir = await tempDir("qs-schemas-");
    cpSync(join(repoRoot, "deploy"), join(dir.path, "deploy"), { recursive: true });
    const script = [
      `source ${join(repoRoot, "scripts/install/lib.sh")}`,
      `source ${join(repoRoot, "scripts/install/quickstack.sh")}`,
      "DOMAIN=apps.example.org QS_IMAGE=ghcr.io/example/quickstack:0.1.0 overlay_manifest",
    ].join("\n");
    const overlay = runCommand("bash", ["-c", script]);
    expect(overlay.status).toBe(0);
    writeFileSync(join(dir.path, "kustomization.yaml"), overlay.stdout);
    objects = renderKustomize(dir.path);
  });
  afterAll(async () => {
    await dir.remove();
  });

  it("covers every kind the installer applies", () => {
    const kinds = new Set(objects.map((o) => o.kind));
    expect([...kinds].sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "ConfigMap",
      "CustomResourceDefinition",
      "DaemonSet",
      "Deployment",
      "Ingress",
      "Namespace",
      "NetworkPolicy",
      "PersistentVolumeClaim",
      "Role",
      "RoleBinding",
      "Service",
      "ServiceAccount",
      "StatefulSet",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ]);
  });

  it("validates every object", async () => {
    const failures: string[] = [];
    for (const o of objects) {
      const Model = await modelFor(o);
      try {
        new Model(o).validate();
      } catch (err) {
        failures.push(`${o.kind}/${o.metadata.name}: ${String(err)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(objects.length).toBeGreaterThan(20);
  });

  it("rejects a broken object (the check can fail)", async () => {
    const deployment = objects.find((o) => o.kind === "Deployment")!;
    const Model = await modelFor(deployment);
    const broken = structuredClone(deployment) as KubeObject & { spec: { replicas: unknown } };
    broken.spec.replicas = "one";
    expect(() => new Model(broken).validate()).toThrow(/replicas/);
  });
});
