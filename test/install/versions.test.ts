import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support.ts";

// What install.sh does after k3s is installed is tested on the local real cluster
// (test/cluster), built from the Kubernetes modules at test/cluster/build.sh's
// k8s_version. That proof only holds for the Kubernetes minor the installer pins.

const read = (path: string): string => readFileSync(join(repoRoot, path), "utf8");

describe("pinned versions", () => {
  it("install.sh pins k3s at the Kubernetes minor the local test cluster builds", () => {
    const k3s = /^K3S_VERSION_DEFAULT="(v1\.(\d+)\.\d+)\+k3s\d+"$/m.exec(read("scripts/install/main.sh"));
    const k8s = /^k8s_version="(v1\.(\d+)\.\d+)"$/m.exec(read("test/cluster/build.sh"));
    expect(k3s, "K3S_VERSION_DEFAULT in scripts/install/main.sh").not.toBeNull();
    expect(k8s, "k8s_version in test/cluster/build.sh").not.toBeNull();
    expect(k3s![2]).toBe(k8s![2]);
  });

  it("deploy/INSTALL.md names the versions install.sh pins", () => {
    const main = read("scripts/install/main.sh");
    const doc = read("deploy/INSTALL.md");
    for (const name of ["K3S_VERSION_DEFAULT", "CERT_MANAGER_VERSION", "LONGHORN_VERSION"]) {
      const version = new RegExp(`^${name}="([^"]+)"$`, "m").exec(main)?.[1];
      expect(version, name).toBeDefined();
      expect(doc, `${name}=${version!}`).toContain(version!);
    }
  });
});
