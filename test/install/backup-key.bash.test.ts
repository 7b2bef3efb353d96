import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tempDir } from "../support/tmp.ts";
import { repoRoot, runCommand } from "./support.ts";

// The installer's backup encryption key (issue 18): made once, stored in the Secret the
// control plane reads, printed once; a re-run keeps it and prints nothing. A stand-in k3s
// records what `kubectl apply -f -` was given.

function install(dir: string, existing: boolean): { stdout: string; applied: string } {
  const applied = join(dir, "applied.yaml");
  const script = [
    ...["lib", "quickstack", "backups"].map((f) => `source ${join(repoRoot, `scripts/install/${f}.sh`)}`),
    `k3s() { if [ "$2 $3" = "-n qs-system" ]; then return ${existing ? 0 : 1}; fi; cat >> ${applied}; }`,
    "create_backup_key",
    "print_backup_key",
  ].join("\n");
  const result = runCommand("bash", ["-euo", "pipefail", "-c", `: > ${applied}\n${script}`], { env: { PATH: process.env.PATH } });
  expect(result.status, result.stderr).toBe(0);
  return { stdout: result.stdout, applied: readFileSync(applied, "utf8") };
}

describe("the backup encryption key", () => {
  it("is made once, stored in qs-system/qs-backup-key and printed once", async () => {
    const dir = await tempDir("qs-backup-key-");
    try {
      const first = install(dir.path, false);
      const secret = parse(first.applied) as { metadata: { name: string; namespace: string }; data: { password: string } };
      expect(secret.metadata).toMatchObject({ name: "qs-backup-key", namespace: "qs-system" });
      const key = Buffer.from(secret.data.password, "base64").toString("utf8");
      // 32 random bytes, base64url: what the control plane reads as restic's password.
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(first.stdout.split(key).length - 1).toBe(1);
      expect(first.stdout).toContain("-----> Backup encryption key (shown once: keep a copy away from this server)");
      // Not the manifest's text in clear.
      expect(first.applied).not.toContain(key);

      const again = install(dir.path, true);
      expect(again.applied).toBe("");
      expect(again.stdout).toContain("keep qs-backup-key (exists; the key is not shown again)");
      expect(again.stdout).not.toContain("Backup encryption key (shown once");
      expect(install(dir.path, false).stdout).not.toContain(key);
    } finally {
      await dir.remove();
    }
  });
});
