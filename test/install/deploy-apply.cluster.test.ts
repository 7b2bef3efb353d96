import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.ts";
import { repoRoot, runCommand, type RunResult } from "./support.ts";

// What install.sh applies after k3s is up, against the local real cluster (the API server
// at the Kubernetes version install.sh pins): `kubectl apply -k /etc/quickstack`, i.e.
// deploy/ plus the site overlay the installer writes, with --dry-run=server so the real
// API server admits every object (CRDs, RBAC, the admission policy, PVCs, workloads)
// without changing the shared cluster. Like the installer, the namespaces are created
// first (`kubectl apply -f deploy/base/namespace.yaml`); they stay, because suites running
// beside this one (rbac, backups) work in qs-system too.

const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const binDir = /^kubernetes=(.*)$/m.exec(runCommand("bash", ["test/cluster/build.sh", "--print"]).stdout)?.[1];
const kubectlPath = binDir === undefined ? "kubectl" : join(binDir, "kubectl");
const IMAGE = `registry.qs-system.svc:5000/quickstack/control-plane:0.1.0@sha256:${"c".repeat(64)}`;

/** kubectl (the cluster's version) against the local cluster. */
function kubectl(...args: string[]): RunResult {
  return runCommand(kubectlPath, ["--kubeconfig", kubeconfig, ...args]);
}

let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir("qs-deploy-apply-");
  cpSync(join(repoRoot, "deploy"), join(dir.path, "deploy"), { recursive: true });
  // The overlay exactly as install.sh writes it to /etc/quickstack/kustomization.yaml.
  const script = [
    `source ${join(repoRoot, "scripts/install/lib.sh")}`,
    `source ${join(repoRoot, "scripts/install/quickstack.sh")}`,
    `PINNED_IMAGES=(QS_BUILDER_KANIKO_IMAGE=ghcr.io/osscontainertools/kaniko:v1.27.6@sha256:${"e".repeat(64)})`,
    `DOMAIN=203.0.113.10.sslip.io QS_IMAGE=${IMAGE} overlay_manifest`,
  ].join("\n");
  const overlay = runCommand("bash", ["-c", script]);
  expect(overlay.status, overlay.stderr).toBe(0);
  writeFileSync(join(dir.path, "kustomization.yaml"), overlay.stdout);
  const namespaces = kubectl("apply", "-f", join(repoRoot, "deploy/base/namespace.yaml"));
  expect(namespaces.status, namespaces.stderr).toBe(0);
});

afterAll(async () => {
  await dir?.remove();
});

describe("kubectl apply -k deploy/ with the installer's overlay (real API server, dry run)", () => {
  it("is admitted whole: CRDs, RBAC, admission policy, PVCs, workloads", () => {
    const result = kubectl("apply", "-k", dir.path, "--dry-run=server", "-o", "name");
    // Other suites create the CRDs without kubectl (installCrds): kubectl warns and adopts them.
    const errors = result.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("Warning: "));
    expect(errors).toEqual([]);
    expect(result.status).toBe(0);
    const applied = result.stdout.split("\n").filter(Boolean).sort();
    expect(applied).toEqual(
      expect.arrayContaining([
        "customresourcedefinition.apiextensions.k8s.io/apps.quickstack.dev",
        "customresourcedefinition.apiextensions.k8s.io/releases.quickstack.dev",
        "clusterrole.rbac.authorization.k8s.io/quickstack-control-plane",
        "validatingadmissionpolicy.admissionregistration.k8s.io/quickstack-control-plane-scope",
        "validatingadmissionpolicybinding.admissionregistration.k8s.io/quickstack-control-plane-scope",
        "persistentvolumeclaim/registry-data",
        "statefulset.apps/redis",
        "deployment.apps/registry",
        "daemonset.apps/registry-node-proxy",
        "deployment.apps/quickstack",
      ]),
    );
  });

  it("runs the control plane from QUICKSTACK_IMAGE as given (registry port, tag and digest)", () => {
    const result = kubectl(
      "apply", "-k", dir.path, "--dry-run=server", "-o",
      "jsonpath={range .items[?(@.metadata.name==\"quickstack\")]}{.kind} {.spec.template.spec.containers[0].image}{\"\\n\"}{end}",
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Deployment ${IMAGE}`);
  });
});
