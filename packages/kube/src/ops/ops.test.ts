import { describe, expect, it } from "vitest";
import { ValidationError } from "@qs/core";
import { buildJoinCommand } from "./join-command.ts";
import { lineSplitter, splitTimestamp } from "./line-splitter.ts";
import { nodeStatus } from "./nodes.ts";
import { exitCodeOf, podState } from "./pod-state.ts";
import { cpuMillicores, memoryBytes, quantityValue } from "./quantity.ts";
import { buildRunPod } from "./run-pod.ts";
import { SourceNamer, byAge } from "./source-names.ts";
import { PassThrough } from "node:stream";
import { exitCodeFromStatus, forwardResizes } from "./terminal.ts";

describe("quantities", () => {
  it.each([
    ["250m", 0.25],
    ["2", 2],
    ["1Gi", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["1k", 1000],
    ["12345678n", 0.012345678],
    ["1e3", 1000],
  ])("%s = %d", (q, v) => expect(quantityValue(q)).toBeCloseTo(v, 9));
  it("converts cpu and memory, undefined when malformed", () => {
    expect(cpuMillicores("1500m")).toBe(1500);
    expect(cpuMillicores("bad")).toBeUndefined();
    expect(memoryBytes("1Ki")).toBe(1024);
    expect(memoryBytes("1Xi")).toBeUndefined();
  });
});

describe("SourceNamer", () => {
  it("gives stable, smallest-free indices per process type", () => {
    const n = new SourceNamer();
    expect(n.name("a", "web")).toBe("web.1");
    expect(n.name("b", "web")).toBe("web.2");
    expect(n.name("c", "worker")).toBe("worker.1");
    expect(n.name("a", "web")).toBe("web.1");
    n.forget("a");
    expect(n.name("d", "web")).toBe("web.1");
    expect(n.name("b", "web")).toBe("web.2");
  });
  it("orders pods oldest first", () => {
    const pod = (name: string, t: number) => ({ metadata: { name, creationTimestamp: new Date(t).toISOString() } });
    expect(byAge([pod("z", 2), pod("b", 1), pod("a", 1)]).map((p) => p.metadata.name)).toEqual(["a", "b", "z"]);
  });
});

describe("lineSplitter", () => {
  it("splits chunks into lines, keeps the unterminated rest, handles split UTF-8", async () => {
    const lines: string[] = [];
    const w = lineSplitter((l) => lines.push(l));
    const euro = Buffer.from("€");
    w.write(Buffer.from("one\r\ntw"));
    w.write(Buffer.concat([Buffer.from("o "), euro.subarray(0, 1)]));
    w.write(Buffer.concat([euro.subarray(1), Buffer.from("\nthree")]));
    await new Promise<void>((r) => w.end(r));
    expect(lines).toEqual(["one", "two €", "three"]);
  });
  it("splits RFC 3339 timestamps off", () => {
    expect(splitTimestamp("2026-11-26T01:02:03.5Z hello world")).toEqual({ time: "2026-11-26T01:02:03.5Z", text: "hello world" });
    expect(splitTimestamp("plain")).toEqual({ time: "", text: "plain" });
  });
});

describe("buildJoinCommand", () => {
  const info = { installUrl: "https://get.example.com/install.sh", server: "https://10.0.0.1:6443", token: "K10abc::server:def" };
  it("prints the one line", () => {
    expect(buildJoinCommand(info)).toBe(
      "curl -fsSL https://get.example.com/install.sh | sh -s - join --server https://10.0.0.1:6443 --token K10abc::server:def",
    );
  });
  it.each([{ token: "x; rm -rf /" }, { server: "http://10.0.0.1:6443" }, { installUrl: "https://x/$(id)" }])("refuses %j", (bad) => {
    expect(() => buildJoinCommand({ ...info, ...bad })).toThrow(ValidationError);
  });
});

describe("buildRunPod", () => {
  it("copies env and volumes from the process template, runs the command without a shell", () => {
    const pod = buildRunPod({
      app: "shop",
      image: "reg/shop@sha256:abc",
      command: ["rake", "db:migrate"],
      user: "alice",
      tty: false,
      suffix: "x1",
      template: {
        spec: {
          selector: {},
          template: {
            spec: {
              containers: [
                {
                  name: "web",
                  image: "old",
                  envFrom: [{ secretRef: { name: "shop-v3-env" } }],
                  env: [{ name: "PORT", value: "5000" }],
                  volumeMounts: [{ name: "data", mountPath: "/data" }],
                },
              ],
              volumes: [{ name: "data", persistentVolumeClaim: { claimName: "shop-vol-data" } }],
              imagePullSecrets: [{ name: "qs-registry" }],
            },
          },
        },
      },
    });
    expect(pod.metadata?.name).toBe("shop-run-x1");
    expect(pod.metadata?.namespace).toBe("qs-app-shop");
    expect(pod.metadata?.labels).toMatchObject({ "quickstack.dev/app": "shop", "quickstack.dev/process": "run", "quickstack.dev/run-by": "alice" });
    const c = pod.spec?.containers[0];
    expect(c).toMatchObject({ image: "reg/shop@sha256:abc", command: ["rake", "db:migrate"], envFrom: [{ secretRef: { name: "shop-v3-env" } }], stdin: false, tty: false });
    expect(c?.env).toEqual([]);
    expect(pod.spec).toMatchObject({ restartPolicy: "Never", imagePullSecrets: [{ name: "qs-registry" }] });
    expect(JSON.stringify(pod)).not.toMatch(/"value":"(?!5000)/);
  });
  it("falls back to the app's config Secret", () => {
    const pod = buildRunPod({ app: "shop", image: "i", command: ["sh"], user: "bob", tty: true });
    expect(pod.spec?.containers[0]).toMatchObject({ envFrom: [{ secretRef: { name: "shop-config" } }], stdin: true, tty: true });
  });
});

describe("pod and node state", () => {
  it("reads exit codes from remotecommand statuses", () => {
    expect(exitCodeFromStatus({ status: "Success" })).toBe(0);
    expect(exitCodeFromStatus({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "42" }] } })).toBe(42);
    expect(exitCodeFromStatus({ status: "Failure" })).toBe(1);
  });
  it("names pod states as kubectl does", () => {
    expect(podState({ metadata: { deletionTimestamp: new Date().toISOString() } })).toBe("Terminating");
    expect(podState({ status: { phase: "Pending", containerStatuses: [{ name: "web", image: "", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "CrashLoopBackOff" } } }] } })).toBe("CrashLoopBackOff");
    expect(podState({ status: { phase: "Running" } })).toBe("Running");
    expect(exitCodeOf({ status: { phase: "Running" } })).toBeUndefined();
    expect(exitCodeOf({ status: { phase: "Failed", containerStatuses: [{ name: "run", image: "", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] } })).toBe(3);
  });
  it("names node states", () => {
    expect(nodeStatus({ status: { conditions: [{ type: "Ready", status: "True" }] } })).toBe("Ready");
    expect(nodeStatus({ spec: { unschedulable: true }, status: { conditions: [{ type: "Ready", status: "False" }] } })).toBe("NotReady,SchedulingDisabled");
    expect(nodeStatus({})).toBe("Unknown");
  });
});

describe("forwardResizes", () => {
  it("sends the size now and on each window change", () => {
    const sizes: [number, number][] = [];
    let listener: ((s: { cols: number; rows: number }) => void) | undefined;
    const session = { resize: (cols: number, rows: number) => void sizes.push([cols, rows]) };
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), tty: { cols: 100, rows: 30, onResize: (l: typeof listener) => (listener = l) } };
    forwardResizes(session, io);
    listener?.({ cols: 120, rows: 40 });
    expect(sizes).toEqual([
      [100, 30],
      [120, 40],
    ]);
  });

  it("does nothing without a terminal", () => {
    const sizes: number[] = [];
    forwardResizes({ resize: (c) => void sizes.push(c) }, { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() });
    expect(sizes).toEqual([]);
  });
});
