import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";

/** A generated SSH key pair: the public line for the Git host, the private key for fetches. */
export interface DeployKeyPair {
  /** `ssh-ed25519 AAAA… <comment>` */
  readonly publicKey: string;
  /** OpenSSH private key (no passphrase); goes only into a Secret and a 0600 file for ssh. */
  readonly privateKey: string;
}

/**
 * A new ed25519 key pair made by OpenSSH's own ssh-keygen, so the private key is in the
 * format the ssh that git runs reads. The temp dir is private (mkdtemp, 0700) and removed.
 */
export async function generateDeployKey(comment: string): Promise<DeployKeyPair> {
  const dir = await mkdtemp(join(tmpdir(), "qs-keygen-"));
  try {
    const file = join(dir, "key");
    await new Promise<void>((resolve, reject) => {
      const child = spawn("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ssh-keygen failed (${String(code)}): ${stderr.trim()}`))));
    });
    return { publicKey: (await readFile(`${file}.pub`, "utf8")).trim(), privateKey: await readFile(file, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
