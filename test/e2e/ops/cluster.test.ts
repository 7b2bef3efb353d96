import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "@qs/core";
import { createReleaseStore } from "@qs/kube";
import { eventually } from "../deploy/harness.ts";
import { sshOptions } from "../../support/ssh.ts";
import { startOpsPlane, type OpsPlane } from "./harness.ts";

// apps:logs/ps/restart/run/enter over a real OpenSSH client. Pods are the API double's
// simulated kubelet (scripted per image); exec runs a local process with the pod's env.

let plane: OpsPlane;

beforeAll(async () => {
  plane = await startOpsPlane();
});
afterAll(async () => {
  await plane.close();
});

/** Makes release N of `app` with `image` and points the App at it (as ReleaseManager does). */
async function release(app: string, image: string, processes: Record<string, string>): Promise<void> {
  const h = plane.deploy;
  const obj = await plane.apis.custom<{ metadata: { uid: string } }>("quickstack.dev/v1alpha1", "apps").read(appNamespace(app), app);
  const vars = await h.config.get(app);
  const r = await createReleaseStore(plane.apis).create(app, obj.metadata.uid, { image, processes, author: "admin", description: "test" }, vars);
  await h.apps.update(app, (s) => ({
    ...s,
    processes: Object.fromEntries(Object.keys(processes).map((p) => [p, s.processes[p] ?? { replicas: 1 }])),
    release: r.number,
  }));
}

/** Runs a shell line under `script`, so it has a pseudo-terminal; resolves with its output. */
function runScript(line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-q", "-e", "-c", line, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}

const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, "0")}`;

async function runningApp(prefix: string, image: string, processes: Record<string, string>): Promise<string> {
  const app = plane.deploy.appName(prefix);
  expect((await plane.ssh(plane.admin, `apps:create ${app}`)).code).toBe(0);
  await release(app, image, processes);
  await eventually(async () => {
    const ps = JSON.parse((await plane.ssh(plane.admin, `apps:ps ${app} --json`)).stdout) as { state: string }[];
    return ps.length === Object.keys(processes).length && ps.every((p) => p.state === "Running");
  }, "pods running", 30_000);
  return app;
}

describe("cluster operations over SSH", () => {
  it("ps shows every pod with state, node, CPU and memory; logs prefix lines with web.1", async () => {
    const image = `registry.test/logs-app@${digest(1)}`;
    plane.deploy.double.script(image, { logs: ["listening on 5000", "GET / 200"], cpuMillicores: 42, memoryBytes: 64 * 2 ** 20 });
    const app = await runningApp("ps", image, { web: "npm start", worker: "node w.js" });
    const ps = await plane.ssh(plane.admin, `apps:ps ${app}`);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/^PROCESS\s+STATE/);
    const rows = JSON.parse((await plane.ssh(plane.admin, `apps:ps ${app} --json`)).stdout) as Record<string, unknown>[];
    expect(rows.map((r) => r.source)).toEqual(["web.1", "worker.1"]);
    expect(rows[0]).toMatchObject({ state: "Running", ready: true, restarts: 0, node: "node-1", cpuMillicores: 42, memoryBytes: 64 * 2 ** 20 });
    const logs = await eventually(async () => {
      const r = await plane.ssh(plane.admin, `apps:logs ${app}`);
      return r.stdout.includes("worker.1 | GET / 200") ? r : undefined;
    }, "log lines");
    expect(logs.stdout).toContain("web.1 | listening on 5000");
    const web = await plane.ssh(plane.admin, `apps:logs ${app} -p web -n 1 --json`);
    expect(JSON.parse(web.stdout)).toEqual([{ source: "web.1", line: "GET / 200" }]);
    expect((await plane.ssh(plane.admin, `apps:logs ${app} -n x`)).code).toBe(2);
  });

  it("logs -f keeps following when a rollout replaces the pods", async () => {
    const v1 = `registry.test/follow-app@${digest(2)}`;
    const v2 = `registry.test/follow-app@${digest(3)}`;
    plane.deploy.double.script(v1, { logs: ["hello from v1"] });
    plane.deploy.double.script(v2, { logs: ["hello from v2"] });
    const app = await runningApp("follow", v1, { web: "npm start" });
    const child = spawn("ssh", [...sshOptions(plane.sshPort, plane.admin), "-T", "git@127.0.0.1", `apps:logs ${app} -f`], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    try {
      await eventually(() => out.includes("web.1 | hello from v1"), "v1 line");
      await release(app, v2, { web: "npm start" });
      await eventually(() => /web\.\d \| hello from v2/.test(out), "v2 line after the rollout", 30_000);
      const restart = await plane.ssh(plane.admin, `apps:restart ${app}`);
      expect(restart.stdout).toContain("Restarting web");
      await eventually(() => out.split("hello from v2").length >= 3, "a line from the restarted pod", 30_000);
    } finally {
      child.kill();
    }
  });

  it("run starts a one-off pod, streams its output, returns its exit code and deletes it", async () => {
    const image = `registry.test/run-app@${digest(4)}`;
    plane.deploy.double.script(image, { logs: ["migrating", "migrated 3 tables"], exitAfterMs: 50, exitCode: 3 });
    const app = plane.deploy.appName("run");
    expect((await plane.ssh(plane.admin, `apps:create ${app}`)).code).toBe(0);
    const before = await plane.ssh(plane.admin, `apps:run ${app} rake db:migrate`);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain("not been deployed");
    await release(app, image, { web: "rake serve" });
    const r = await plane.ssh(plane.admin, `apps:run ${app} rake db:migrate`);
    expect(r.stdout).toContain("migrating\nmigrated 3 tables\n");
    expect(r.code).toBe(3);
    // With a TTY the one-off pod is attached to; where attach is refused its log is shown.
    const tty = await plane.ssh(plane.admin, `apps:run ${app} rake db:migrate`, { tty: true });
    expect(tty.stdout).toMatch(/migrating\r?\nmigrated 3 tables/);
    expect(tty.code).toBe(3);
    const pods = await plane.apis.pods.list(appNamespace(app), { labelSelector: "quickstack.dev/process=run" });
    expect(pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined)).toEqual([]);
  });

  it("run with a TTY attaches to a slower command and shows its output once", async () => {
    const image = `registry.test/run-slow@${digest(6)}`;
    // Output a second after start: attach is connected by then, so the log is not replayed.
    plane.deploy.double.script(image, { logs: [{ line: "step 1", afterMs: 1000 }, { line: "step 2", afterMs: 50 }], exitAfterMs: 1200, exitCode: 0 });
    const app = plane.deploy.appName("runslow");
    expect((await plane.ssh(plane.admin, `apps:create ${app}`)).code).toBe(0);
    await release(app, image, { web: "serve" });
    const tty = await plane.ssh(plane.admin, `apps:run ${app} ./migrate`, { tty: true });
    expect(tty.code).toBe(0);
    // Once, and with a terminal's \r\n: it came through attach, not from the log (bare \n).
    expect(tty.stdout).toBe("step 1\r\nstep 2\r\n");
  });

  it("enter runs a command in a running pod with the app's config, with and without a TTY", async () => {
    const image = `registry.test/enter-app@${digest(5)}`;
    const app = await runningApp("enter", image, { web: "npm start" });
    expect((await plane.ssh(plane.admin, `apps:config-set ${app} GREETING=bonjour`)).code).toBe(0);
    await eventually(async () => {
      const r = await plane.ssh(plane.admin, `apps:enter ${app} web -- sh -c 'echo "$GREETING"'`);
      return r.stdout.trim() === "bonjour";
    }, "config reaches the new pod", 30_000);
    const exit = await plane.ssh(plane.admin, `apps:enter ${app} sh -c 'echo out; echo err >&2; exit 4'`);
    expect(exit).toMatchObject({ code: 4, stdout: "out\n", stderr: "err\n" });
    const tty = await plane.ssh(plane.admin, `apps:enter ${app} -- sh -c 'test -t 0 && echo tty'`, { tty: true });
    expect(tty.stdout).toContain("tty");
    // Under util-linux `script` the OpenSSH client has a real terminal of a known size, which
    // reaches the container's pty through the resize channel. (The API double sizes its pty
    // once, at start, so resizes later in the session are not observable here.)
    const ssh = ["ssh", ...sshOptions(plane.sshPort, plane.admin), "-tt", "git@127.0.0.1", `apps:enter ${app} -- stty size`]
      .map((w) => `'${w.replace(/'/g, `'\\''`)}'`)
      .join(" ");
    expect(await runScript(`stty cols 100 rows 30; ${ssh}`)).toMatch(/^30 100\r?\n/);
    const stdin = await plane.ssh(plane.admin, `apps:enter ${app} -- cat`, { input: "piped in\n" });
    expect(stdin.stdout).toBe("piped in\n");
    expect((await plane.ssh(plane.admin, `apps:enter ${app} nosuchprocess`)).code).not.toBe(0);
  });
});
