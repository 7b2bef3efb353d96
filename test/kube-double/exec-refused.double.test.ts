import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.ts";
import { startKubeDouble, type KubeDouble } from "./src/index.ts";
import { eventually } from "./harness.ts";

// A control plane on the double (dev mode, `npm run kube-double`) hands pods/exec to its
// users through `apps:enter`: the double must never run those commands on the machine it
// runs on. Only test harnesses opt in to local processes (hostExec).

const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/kubectl", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });

/** Creates a running pod `shell` in `default` and returns a kubectl exec runner for it. */
async function podExec(kubeconfig: string): Promise<(command: string[], flags?: string[]) => ReturnType<typeof run>> {
  const pod = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "shell" }, spec: { containers: [{ name: "main", image: "busybox:1.35" }] } });
  const created = await new Promise<number | null>((resolve) => {
    const child = spawn("/usr/bin/kubectl", ["--kubeconfig", kubeconfig, "apply", "-f", "-"], { stdio: ["pipe", "ignore", "inherit"] });
    child.stdin.end(pod);
    child.on("close", resolve);
  });
  expect(created).toBe(0);
  await run(["--kubeconfig", kubeconfig, "wait", "--for=condition=Ready", "pod/shell", "--timeout=30s"]);
  return (command, flags = []) => run(["--kubeconfig", kubeconfig, "exec", ...flags, "shell", "--", ...command]);
}

function expectRefused(r: { code: number | null; stdout: string; stderr: string }, command: string): void {
  expect(r.code).toBe(126);
  expect(`${r.stdout}${r.stderr}`).toContain(`(simulated cluster: containers are played, not run, so this command did not run: ${command})`);
}

describe("exec on a double without hostExec (what dev mode and the CLI start)", () => {
  let double: KubeDouble;
  beforeAll(async () => {
    double = await startKubeDouble();
  });
  afterAll(async () => {
    await double.close();
  });

  it("runs nothing on the host: no root id, no host root directory, a clear line and exit 126", async () => {
    const exec = await podExec(double.kubeconfigPath);
    const id = await exec(["id", "-u"]);
    expectRefused(id, "id -u");
    expect(id.stdout).not.toMatch(/^\d+\s*$/);
    const ls = await exec(["ls", "/"]);
    expectRefused(ls, "ls /");
    expect(ls.stdout).not.toContain("work");
    // With a terminal (`apps:enter` with ssh -t) the line arrives on the terminal.
    const tty = await exec(["sh", "-c", "echo $HOME; ls /"], ["-t"]);
    expectRefused(tty, "sh -c echo $HOME; ls /");
    expect(tty.stdout).not.toContain("/root");
  });
});

describe("exec on the standalone double (npm run kube-double)", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess;
  beforeAll(async () => {
    dir = await tempDir("qs-kd-cli-");
    child = spawn(process.execPath, [join(import.meta.dirname, "src/cli.ts"), "--kubeconfig", join(dir.path, "kubeconfig")], { stdio: "ignore" });
    await eventually(() => (existsSync(join(dir.path, "kubeconfig")) ? true : undefined));
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await dir.remove();
  });

  it("refuses too", async () => {
    const exec = await podExec(join(dir.path, "kubeconfig"));
    expectRefused(await exec(["ls", "/"]), "ls /");
  });
});
