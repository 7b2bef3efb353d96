import { PassThrough } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Target } from "./harness.ts";

// pods/exec over the WebSocket channel protocol, through client-node's Exec and kubectl exec.
// The container's env comes from env, Secrets (secretKeyRef, envFrom) and ConfigMaps.

let target: Target;
let ns: string;
beforeAll(async () => {
  target = await connect();
  ns = await target.namespace();
  await target.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "cfg" }, stringData: { DATABASE_URL: "postgres://db/x", API_KEY: "k1" } } });
  await target.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "plain" }, data: { MODE: "fast" } } });
  await target.core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: "shell" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: "main",
            image: "busybox:1.35",
            command: ["sleep", "3600"],
            env: [
              { name: "PLAIN", value: "v" },
              { name: "SECRET_KEY", valueFrom: { secretKeyRef: { name: "cfg", key: "API_KEY" } } },
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            ],
            envFrom: [{ secretRef: { name: "cfg" } }, { configMapRef: { name: "plain" }, prefix: "CM_" }],
          },
        ],
      },
    },
  });
  await target.kubectl(["wait", "-n", ns, "--for=condition=Ready", "pod/shell", "--timeout=60s"]);
});
afterAll(async () => {
  await target.close();
});

interface ExecResult {
  stdout: string;
  stderr: string;
  status: k8s.V1Status;
}

async function exec(command: string[], opts: { stdin?: string; tty?: boolean } = {}): Promise<ExecResult> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (c: Buffer) => (stdout += c.toString()));
  err.on("data", (c: Buffer) => (stderr += c.toString()));
  const input = opts.stdin === undefined ? null : new PassThrough();
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(target.kc)
      .exec(ns, "shell", "main", command, out, opts.tty ? null : err, input, opts.tty ?? false, (s) => resolve(s))
      .then(() => {
        if (input && opts.stdin !== undefined) input.end(opts.stdin);
      }, reject);
  });
  return { stdout, stderr, status };
}

describe("exec (client-node)", () => {
  it("runs the command with the container's resolved environment", async () => {
    const r = await exec(["sh", "-c", 'echo "$PLAIN $SECRET_KEY $DATABASE_URL $CM_MODE $POD_NAME"; echo oops >&2']);
    expect(r.status.status).toBe("Success");
    expect(r.stdout).toBe("v k1 postgres://db/x fast shell\n");
    expect(r.stderr).toBe("oops\n");
  });

  it("reports a non-zero exit code in the error channel Status", async () => {
    const r = await exec(["sh", "-c", "exit 7"]);
    expect(r.status).toMatchObject({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "7" }] } });
  });

  it("passes stdin through", async () => {
    const r = await exec(["cat"], { stdin: "hello over stdin\n" });
    expect(r.stdout).toBe("hello over stdin\n");
  });

  it("gives the command a terminal when tty=true", async () => {
    // Without stdin: a stdin closed at once hangs the terminal up on a real kubelet, which
    // could end the command before it printed anything.
    const r = await exec(["sh", "-c", "test -t 1 && echo is-a-tty"], { tty: true });
    expect(r.stdout).toContain("is-a-tty");
  });
});

describe("exec with a terminal", () => {
  // Sizes travel client → API server → kubelet → runtime, and a real kubelet applies even
  // the first one only after the command started (its first `stty size` can fail): the
  // command polls for each size (up to 10 s) instead of reading it at once.
  it("takes the client's size and follows resizes", async () => {
    const out = Object.assign(new PassThrough(), { columns: 80, rows: 24 });
    let text = "";
    let resized = false;
    out.on("data", (c: Buffer) => {
      text += c.toString();
      if (!resized && text.includes("24 80")) {
        resized = true;
        out.columns = 100;
        out.rows = 40;
        out.emit("resize");
      }
    });
    const stdin = new PassThrough();
    const status = await new Promise<k8s.V1Status>((resolve, reject) => {
      new k8s.Exec(target.kc).exec(ns, "shell", "main", ["sh", "-c", 'await() { i=0; while [ $i -lt 40 ]; do s=$(stty size 2>/dev/null); [ "$s" = "$1" ] && break; sleep 0.25; i=$((i+1)); done; echo "$s"; }; await "24 80"; await "40 100"'], out, null, stdin, true, resolve).catch(reject);
    });
    stdin.end();
    expect(status.status).toBe("Success");
    expect(text.replace(/\r/g, "")).toBe("24 80\n40 100\n");
  });
});

describe("exec (kubectl)", () => {
  it("prints output and returns the command's exit code", async () => {
    const out = await target.kubectl(["exec", "-n", ns, "shell", "--", "sh", "-c", "echo $SECRET_KEY"]);
    expect(out).toBe("k1\n");
    const failed = await target.kubectl(["exec", "-n", ns, "shell", "--", "sh", "-c", "exit 4"]).catch((e: unknown) => e as { code?: number; stderr?: string });
    expect(failed).toMatchObject({ code: 4 });
    const piped = await target.kubectl(["exec", "-i", "-n", ns, "shell", "--", "cat"], { input: "typed\n" });
    expect(piped).toBe("typed\n");
  });
});
