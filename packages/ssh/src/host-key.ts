import { mkdir, readFile, writeFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import ssh2 from "ssh2";

/**
 * Reads the SSH host key at `path`, generating an ed25519 key once if there is none, so
 * clients see the same host key across restarts (no "REMOTE HOST IDENTIFICATION HAS
 * CHANGED"). Written 0600 through a temp file and rename, so a crash leaves no half key.
 */
export async function loadOrCreateHostKey(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const { private: privateKey } = ssh2.utils.generateKeyPairSync("ed25519");
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, privateKey, { mode: 0o600 });
  await rename(tmp, path);
  return Buffer.from(privateKey);
}
