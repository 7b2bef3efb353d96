import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { sshExec, type ClientKey } from "../../support/ssh.ts";
import { startCommandsHarness, type CommandsHarness } from "./harness.ts";

// What the SSH server does around the commands: who may log in, a session without a
// command, and requests too large for ssh2, with the real OpenSSH client.
let t: CommandsHarness;
beforeAll(async () => {
  t = await startCommandsHarness();
});
afterAll(async () => {
  await t.close();
});

/** ssh as `user` at OpenSSH's default log level (banners show at INFO, not at ERROR). */
function sshAs(user: string, key: ClientKey, command: string): Promise<{ code: number; stderr: string; stdout: string }> {
  const args = [
    "-F", "/dev/null", "-p", String(t.ssh.port), "-i", key.privateKeyPath, "-o", "IdentitiesOnly=yes",
    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
    "-T", `${user}@127.0.0.1`, command,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("ssh", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("ssh sessions", () => {
  it("accepts only the user git, and says so", async () => {
    const refused = await sshAs("root", t.adminKey, "apps:list");
    expect(refused.code).toBe(255);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain('QuickStack accepts only the user "git", not "root"');
    expect(refused.stderr).toContain("Permission denied (publickey)");
    expect((await sshAs("git", t.adminKey, "version")).stdout).toMatch(/^quickstack /);
  });

  it("shows the help for a session without a command, with and without a terminal", async () => {
    const plain = await sshExec(t.ssh.port, t.adminKey, "");
    expect(plain).toMatchObject({ code: 0, stderr: "" });
    expect(plain.stdout).toContain("Usage: ssh qs COMMAND [ARGS…] [--json]\n");
    const tty = await sshExec(t.ssh.port, t.adminKey, "", { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain("Usage: ssh qs COMMAND [ARGS…] [--json]\r\n");
  });

  it("answers a command line too long for one SSH request with the reason and exit 2", async () => {
    const app = t.appName("big");
    await t.run(`apps:create ${app}`);
    // 33 KB reaches the command layer and gets its size error ...
    const over = await sshExec(t.ssh.port, t.adminKey, `apps:config-set ${app} K=${"x".repeat(33 * 1024)}`);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain("value of K is 33792 bytes; the limit is 32768");
    // ... 40 KB is more than ssh2 takes in one packet: the session still gets an answer.
    const huge = await sshExec(t.ssh.port, t.adminKey, `apps:config-set ${app} K=${"x".repeat(40 * 1024)}`);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain("error: the command line is too long");
    expect(huge.stderr).toContain(`apps:config-set APP KEY=- < file`);
    expect(huge.stderr).not.toContain("closed by remote host");
    expect(await t.services.config.get(app)).toEqual({});
  });

  it("sets a value from stdin with KEY=-", async () => {
    const app = t.appName("stdin");
    await t.run(`apps:create ${app}`);
    const pem = `-----BEGIN PRIVATE KEY-----\n${"B".repeat(40 * 1024)}\n-----END PRIVATE KEY-----`;
    const tooBig = await sshExec(t.ssh.port, t.adminKey, `apps:config-set ${app} TLS_KEY=-`, { input: `${pem}\n` });
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toContain("value of TLS_KEY on stdin is over 32768 bytes");
    const small = pem.replace("B".repeat(40 * 1024), "B".repeat(3000));
    const set = await sshExec(t.ssh.port, t.adminKey, `apps:config-set ${app} TLS_KEY=- --no-restart`, { input: `${small}\n` });
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect((await t.services.config.get(app)).TLS_KEY).toBe(small);
    expect((await t.run(`apps:config-get ${app} TLS_KEY`)).stdout).toBe(`${small}\n`);
  });

  it("never prints control characters from stored input raw, and audits rejected input escaped", async () => {
    const app = t.appName("esc");
    await t.run(`apps:create ${app}`);
    const title = "\u001b]0;owned\u0007\u001b[2J";
    expect((await t.run(`apps:config-set ${app} "T=x${title}" "N=a\nFAKE=2" --no-restart`)).code).toBe(0);
    const shown = await sshExec(t.ssh.port, t.adminKey, `apps:config ${app}`, { tty: true });
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain("\u001b");
    expect(shown.stdout).toContain("a\\nFAKE=2");
    expect(JSON.parse((await t.run(`apps:config ${app} --json`)).stdout)).toEqual({ N: "a\nFAKE=2", T: `x${title}` });
    const refused = await t.run(`apps:config-set ${app} "X\n2025-01-01 00:00:00  admin  apps:destroy ${app}  ok"`);
    expect(refused.code).toBe(2);
    const audit = await t.run(`audit ${app}`);
    expect(audit.stdout.trimEnd().split("\n")).toHaveLength(4); // header, create, set, the refused set
    expect((await t.audit.list({ app }))[0]?.args[1]).toMatch(/^X\\n2025/);
  });
});
