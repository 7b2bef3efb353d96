import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.ts";
import { repoRoot, runCommand } from "./support.ts";

// scripts/setup.sh installs Debian packages with a policy-rc.d that keeps their services
// from starting. Left behind, that file stops every Debian service on the machine for good,
// so it must go when the install ends (also when apt-get fails), and one the machine
// already had must stay as it was. The real script runs from a scratch copy of the
// repository, with stand-in commands for id, apt-get, node and npm; POLICY_RC_D points it
// at a scratch file instead of /usr/sbin/policy-rc.d.

const TOOLS = ["bash", "cat", "chmod", "dirname", "rm", "mkdir"];

let dir: Awaited<ReturnType<typeof tempDir>>;
let policy: string;
let aptLog: string;

/** Writes an executable stand-in script into the scratch PATH. */
function standIn(name: string, body: string): void {
  const path = join(dir.path, "bin", name);
  writeFileSync(path, `#!/bin/bash\n${body}\n`);
  chmodSync(path, 0o755);
}

/** Runs the copied setup.sh with only the stand-ins and a few core tools on PATH. */
function runSetup(aptInstallExit: number): { status: number | null; stderr: string } {
  // apt-get records whether policy-rc.d was in force while it installed.
  standIn(
    "apt-get",
    `if [ "$1" = install ]; then
       if [ -x "$POLICY_RC_D" ]; then echo "install with policy: $("$POLICY_RC_D"; echo $?)" >> "${aptLog}"; else echo "install without policy" >> "${aptLog}"; fi
       exit ${aptInstallExit}
     fi`,
  );
  const result = runCommand("/bin/bash", [join(dir.path, "repo/scripts/setup.sh")], {
    env: { PATH: join(dir.path, "bin"), POLICY_RC_D: policy, HOME: dir.path },
  });
  return { status: result.status, stderr: result.stderr };
}

beforeEach(async () => {
  dir = await tempDir("qs-setup-");
  policy = join(dir.path, "policy-rc.d");
  aptLog = join(dir.path, "apt.log");
  mkdirSync(join(dir.path, "repo/scripts"), { recursive: true });
  mkdirSync(join(dir.path, "repo/node_modules"), { recursive: true });
  copyFileSync(join(repoRoot, "scripts/setup.sh"), join(dir.path, "repo/scripts/setup.sh"));
  // env.sh would install Node; the stand-in node below is "24" already.
  writeFileSync(join(dir.path, "repo/scripts/env.sh"), "# stand-in\n");
  writeFileSync(join(dir.path, "repo/package-lock.json"), "{}\n");
  mkdirSync(join(dir.path, "bin"));
  for (const tool of TOOLS) {
    const found = runCommand("/bin/bash", ["-c", `command -v ${tool}`]).stdout.trim();
    symlinkSync(found, join(dir.path, "bin", tool));
  }
  standIn("id", "echo 0");
  standIn("node", "echo v24.21.0");
  standIn("npm", "exit 0");
});
afterEach(async () => {
  await dir.remove();
});

describe("setup.sh and policy-rc.d", () => {
  it("keeps services from starting during the install and removes the file after it", () => {
    const r = runSetup(0);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readFileSync(aptLog, "utf8")).toBe("install with policy: 101\n");
    expect(existsSync(policy)).toBe(false);
  });

  it("removes it when apt-get fails too", () => {
    const r = runSetup(100);
    expect(r.status).toBe(100);
    expect(readFileSync(aptLog, "utf8")).toBe("install with policy: 101\n");
    expect(existsSync(policy)).toBe(false);
  });

  it("leaves a policy-rc.d the machine already had untouched", () => {
    const mine = "#!/bin/sh\n# the admin's own policy\nexit 0\n";
    writeFileSync(policy, mine);
    chmodSync(policy, 0o755);
    expect(runSetup(0).status).toBe(0);
    expect(readFileSync(aptLog, "utf8")).toBe("install with policy: 0\n");
    expect(readFileSync(policy, "utf8")).toBe(mine);
    expect(runSetup(100).status).toBe(100);
    expect(readFileSync(policy, "utf8")).toBe(mine);
  });
});
