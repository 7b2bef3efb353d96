import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, runCommand } from "./support.ts";

// Every shell script under scripts/ (recursively) and deploy/ passes the real shellcheck,
// one file at a time from the repository root, following sourced files (-x) so each is
// checked in context. (scripts/install/.shellcheckrc also makes plain `shellcheck
// scripts/*.sh`, as in scripts/test.sh, follow main.sh's helpers.)

function shellScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : shellScripts(path);
    if (entry.name.endsWith(".sh")) return [path];
    const firstLine = readFileSync(path, "utf8").split("\n", 1)[0] ?? "";
    return /^#!.*\b(ba)?sh\b/.test(firstLine) ? [path] : [];
  });
}

const scripts = [
  ...shellScripts(join(repoRoot, "scripts")),
  ...shellScripts(join(repoRoot, "deploy")),
]
  .map((path) => relative(repoRoot, path))
  .sort();

describe("shellcheck", () => {
  it("finds the installer and its helpers", () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        "scripts/install.sh",
        "scripts/install/main.sh",
        "scripts/install/lib.sh",
        "scripts/install/preflight.sh",
        "scripts/install/k3s.sh",
        "scripts/install/addons.sh",
        "scripts/install/quickstack.sh",
        "scripts/install/uninstall.sh",
        "deploy/image/build.sh",
      ]),
    );
  });

  it.each(scripts)("%s is clean", (script) => {
    const result = runCommand("shellcheck", ["--external-sources", "--format=gcc", script]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("reports a real problem (the check can fail)", () => {
    const result = runCommand("shellcheck", ["--format=gcc", "--shell=bash", "-"], {
      input: "#!/bin/bash\nrm -rf $1/*\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("SC2086");
  });
});
