import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCRIPT_ANNOTATION } from "../../../../test/kube-double/src/behaviour.ts";
import { type KubeDouble, startKubeDouble } from "../../../../test/kube-double/src/index.ts";
import { type KubeApis, createKubeApis } from "../apis.ts";
import type { ApiStatus, KubeApiError } from "./client.ts";
import { loadKubeconfigFile } from "./connection.ts";
import { rejection } from "../../../../test/support/rejection.ts";
import { openRemoteCommand } from "./remote-command.ts";

// pods/exec and pods/attach over the WebSocket channel protocol against the double, which runs the command
// as a real local process (under a real pseudo-terminal with tty=true).

let double: KubeDouble;
let apis: KubeApis;
const ns = "remote-command";

beforeAll(async () => {
  double = await startKubeDouble({ hostExec: true });
  apis = createKubeApis(loadKubeconfigFile(double.kubeconfigPath));
  await apis.namespaces.create({ metadata: { name: ns } });
  await apis.pods.create(ns, {
    metadata: { name: "shell" },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox:1.37.0", command: ["sleep", "3600"] }] },
  });
  for (let i = 0; i < 200; i++) {
    const pod = await apis.pods.read(ns, "shell");
    if (pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => {
  apis.rest.close();
  await double.close();
});

/** Streams for a session whose output does not matter. */
const quiet = () => ({ stdin: null, stdout: new PassThrough(), stderr: null, tty: false });

async function exec(command: string[], opts: { stdin?: string; tty?: { cols: number; rows: number } } = {}): Promise<{ stdout: string; stderr: string; status: ApiStatus | undefined }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const stdin = opts.stdin === undefined ? null : new PassThrough();
  const tty = opts.tty !== undefined;
  const session = await openRemoteCommand(
    apis.rest,
    `${apis.pods.path(ns)}/shell/exec`,
    { command, container: "main", stdin: stdin !== null, stdout: true, stderr: !tty, tty },
    { stdin, stdout, stderr: tty ? null : stderr, tty },
  );
  if (opts.tty !== undefined) session.resize(opts.tty.cols, opts.tty.rows);
  if (stdin !== null) stdin.end(opts.stdin);
  const status = await session.done;
  return { stdout: out, stderr: err, status };
}

describe("openRemoteCommand (pods/exec over WebSocket)", () => {
  it("keeps stdout and stderr apart and reports success", async () => {
    const r = await exec(["sh", "-c", "echo out; echo err >&2"]);
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
    expect(r.status?.status).toBe("Success");
  });

  it("reports a non-zero exit code as a Status cause", async () => {
    const r = await exec(["sh", "-c", "exit 3"]);
    expect(r.status?.reason).toBe("NonZeroExitCode");
    expect(r.status?.details?.causes?.find((c) => c.reason === "ExitCode")?.message).toBe("3");
  });

  it("passes stdin and closes it (v5), so the command sees end of file", async () => {
    const r = await exec(["sh", "-c", "cat; echo done"], { stdin: "a line\nand more\n" });
    expect(r.stdout).toBe("a line\nand more\ndone\n");
  });

  it("gives a TTY the size sent on the resize channel", async () => {
    const r = await exec(["stty", "size"], { tty: { cols: 100, rows: 40 } });
    expect(r.stdout.trim()).toBe("40 100");
  });

  it("attaches to a running container: its output from then on, and its exit as the Status", async () => {
    // The first line comes a second after start: time enough to attach even on a busy machine.
    const script = { logs: [{ line: "first", afterMs: 1000 }, { line: "second", afterMs: 50 }], exitAfterMs: 1200, exitCode: 7 };
    await apis.pods.create(ns, {
      metadata: { name: "worker", annotations: { [SCRIPT_ANNOTATION]: JSON.stringify(script) } },
      spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox:1.37.0", stdin: true, tty: true }] },
    });
    for (let i = 0; i < 100 && (await apis.pods.read(ns, "worker")).status?.phase !== "Running"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (c: Buffer) => (out += c.toString()));
    const session = await openRemoteCommand(apis.rest, `${apis.pods.path(ns)}/worker/attach`, { container: "main", stdin: true, stdout: true, tty: true }, {
      stdin: new PassThrough(),
      stdout,
      stderr: null,
      tty: true,
    });
    const status = await session.done;
    expect(out).toBe("first\r\nsecond\r\n");
    expect(status?.details?.causes?.find((c) => c.reason === "ExitCode")?.message).toBe("7");
    // Once it has exited, attach is refused (apps:run then shows the log instead).
    const refused = await rejection<KubeApiError>(openRemoteCommand(apis.rest, `${apis.pods.path(ns)}/worker/attach`, { container: "main", stdout: true }, quiet()));
    expect(refused.code).toBe(400);
  });

  it("fails with the API's status for a pod that does not exist", async () => {
    const err = await rejection<KubeApiError>(openRemoteCommand(apis.rest, `${apis.pods.path(ns)}/nope/exec`, { command: ["true"], stdout: true }, quiet()));
    expect(err.code).toBe(404);
  });
});
