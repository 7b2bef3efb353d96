import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A client key pair made with the real ssh-keygen. */
export interface ClientKey {
  readonly privateKeyPath: string;
  readonly publicKey: string;
}

/** Generates an SSH key pair with OpenSSH's ssh-keygen in `dir`. */
export async function generateClientKey(
  dir: string,
  type: "ed25519" | "ecdsa" | "rsa" = "ed25519",
  name = `id_${type}`,
  bits?: number,
): Promise<ClientKey> {
  const path = join(dir, name);
  const args = ["-q", "-t", type, "-N", "", "-C", `${name}@test`, "-f", path];
  if (bits !== undefined) args.push("-b", String(bits));
  await run("ssh-keygen", args);
  return { privateKeyPath: path, publicKey: (await readFile(`${path}.pub`, "utf8")).trim() };
}

/** Options for the OpenSSH client that trust any host key and ignore the user's config. */
export function sshOptions(port: number, key: ClientKey): string[] {
  return [
    "-F", "/dev/null",
    "-p", String(port),
    "-i", key.privateKeyPath,
    "-o", "IdentitiesOnly=yes",
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "LogLevel=ERROR",
    "-o", "BatchMode=yes",
  ];
}

/** The GIT_SSH_COMMAND that makes git use `key` against a test server. */
export function gitSshCommand(key: ClientKey): string {
  return [
    "ssh", "-F", "/dev/null", "-i", key.privateKeyPath, "-o", "IdentitiesOnly=yes",
    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
    "-o", "BatchMode=yes",
  ].join(" ");
}

/**
 * Runs `ssh … git@127.0.0.1 command` with the real OpenSSH client (no command: a session
 * without one). `sshArgs` go after the standard options, e.g. ControlMaster settings.
 */
export async function sshExec(
  port: number,
  key: ClientKey,
  command: string,
  options: { input?: string; tty?: boolean; sshArgs?: readonly string[] } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { spawn } = await import("node:child_process");
  const args = [
    ...sshOptions(port, key),
    ...(options.tty ? ["-tt"] : ["-T"]),
    ...(options.sshArgs ?? []),
    "git@127.0.0.1",
    ...(command === "" ? [] : [command]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A command that exits before reading its input closes the pipe: the exit code says
    // what happened, so EPIPE on stdin is not an error of its own.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}
