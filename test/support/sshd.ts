import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, waitForPort } from "./ports.ts";
import { startService } from "./processes.ts";

const run = promisify(execFile);

/** OpenSSH's sshd on a loopback port, as the floor benchmarks compare against. */
export interface OpenSshd {
  readonly port: number;
  /** The local user the client logs in as (sshd runs commands as them). */
  readonly user: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's /usr/sbin/sshd in the foreground (`-D -e`) with its own host key,
 * config and authorized_keys under `dir`, accepting only `authorizedKey`.
 */
export async function startOpenSshd(dir: string, authorizedKey: string): Promise<OpenSshd> {
  await mkdir(dir, { recursive: true });
  await mkdir("/run/sshd", { recursive: true }); // Debian's privilege-separation directory
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
  await writeFile(join(dir, "authorized_keys"), `${authorizedKey}\n`, { mode: 0o600 });
  const port = await freePort();
  const user = (await run("id", ["-un"])).stdout.trim();
  await writeFile(
    join(dir, "sshd_config"),
    [
      `Port ${port.toString()}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "PermitRootLogin prohibit-password",
      "UseDNS no",
      "",
    ].join("\n"),
  );
  const sshd = startService("sshd", "/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")]);
  try {
    await waitForPort(port);
  } catch (err) {
    await sshd.stop();
    throw new Error(`sshd did not start: ${sshd.output()}`, { cause: err });
  }
  return { port, user, stop: () => sshd.stop() };
}
