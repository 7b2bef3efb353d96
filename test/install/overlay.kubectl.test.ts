import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.ts";
import { podSpec } from "./pod-spec.ts";
import { findObject, renderKustomize, repoRoot, runCommand, type KubeObject } from "./support.ts";

// The overlay install.sh writes to /etc/quickstack (overlay_manifest in
// scripts/install/quickstack.sh), rendered with the real kubectl over a copy of deploy/.

const spec = <T>(o: KubeObject): T => o.spec as T;
const PINNED_KANIKO = `ghcr.io/osscontainertools/kaniko:v1.27.6@sha256:${"e".repeat(64)}`;
const PINNED_BASE = [
  `docker.io/library/node:24-trixie-slim@sha256:${"a".repeat(64)}`,
  `docker.io/library/busybox:1.37.0@sha256:${"b".repeat(64)}`,
].join(",");
// A registry with a port and a digest: the overlay must not split the reference at a ':'.
const IMAGE = `registry.example:5000/me/quickstack:0.2.0@sha256:${"c".repeat(64)}`;

describe("the installer's overlay", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let site: KubeObject[];
  beforeAll(async () => {
    dir = await tempDir("qs-overlay-");
    cpSync(join(repoRoot, "deploy"), join(dir.path, "deploy"), { recursive: true });
    // The overlay exactly as install.sh writes it (overlay_manifest in quickstack.sh).
    const script = [
      `source ${join(repoRoot, "scripts/install/lib.sh")}`,
      `source ${join(repoRoot, "scripts/install/quickstack.sh")}`,
      `PINNED_IMAGES=(QS_BUILDER_KANIKO_IMAGE=${PINNED_KANIKO})`,
      `PINNED_BASE_IMAGES=${PINNED_BASE}`,
      `DOMAIN=apps.example.org QS_IMAGE=${IMAGE} overlay_manifest`,
    ].join("\n");
    const overlay = runCommand("bash", ["-c", script]);
    expect(overlay.status).toBe(0);
    writeFileSync(join(dir.path, "kustomization.yaml"), overlay.stdout);
    site = renderKustomize(dir.path);
  });
  afterAll(async () => {
    await dir.remove();
  });

  it("sets the domain, public URL, SSH host, pinned builder images and image", () => {
    const deployment = findObject(site, "Deployment", "quickstack");
    const c = podSpec(deployment).containers[0]!;
    expect(c.image).toBe(IMAGE);
    const settings = findObject(site, "ConfigMap", c.envFrom![0]!.configMapRef!.name)
      .data as Record<string, string>;
    expect(settings).toMatchObject({
      QS_BASE_DOMAIN: "apps.example.org",
      QS_SSH_PUBLIC_HOST: "apps.example.org",
      QS_PUBLIC_URL: "https://qs.apps.example.org",
      QS_BUILDER: "kaniko",
      // What install.sh pinned replaces the tag; the rest keep deploy/'s tags.
      QS_BUILDER_KANIKO_IMAGE: PINNED_KANIKO,
      QS_BUILDER_BUILDKIT_IMAGE: "docker.io/moby/buildkit:v0.30.0-rootless",
      // The base images of generated Dockerfiles install.sh pinned.
      QS_BASE_IMAGES: PINNED_BASE,
    });
    const ingress = spec<{ tls: { hosts: string[] }[]; rules: { host: string }[] }>(
      findObject(site, "Ingress", "quickstack"),
    );
    expect(ingress.rules[0]!.host).toBe("qs.apps.example.org");
    expect(ingress.tls[0]!.hosts).toEqual(["qs.apps.example.org"]);
  });

  it("adds the admission policy that keeps the control plane's writes in qs-app-* and qs-system", () => {
    const policy = findObject(site, "ValidatingAdmissionPolicy", "quickstack-control-plane-scope");
    const s = spec<{
      failurePolicy: string;
      matchConditions: { expression: string }[];
      validations: { expression: string }[];
    }>(policy);
    expect(s.failurePolicy).toBe("Fail");
    expect(s.matchConditions[0]!.expression).toContain(
      "'system:serviceaccount:qs-system:quickstack'",
    );
    expect(s.validations[0]!.expression).toContain("request.namespace.startsWith('qs-app-')");
    const binding = findObject(
      site,
      "ValidatingAdmissionPolicyBinding",
      "quickstack-control-plane-scope",
    );
    expect(binding.spec).toEqual({
      policyName: "quickstack-control-plane-scope",
      validationActions: ["Deny"],
    });
  });
});
