import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Target, connect, eventually } from "../../../../test/kube-double/harness.ts";
import { SCRIPT_ANNOTATION } from "../../../../test/kube-double/src/behaviour.ts";
import { rejection } from "../../../../test/support/rejection.ts";
import { type KubeApis, createKubeApis, podLogPath } from "../apis.ts";
import type { KubeApiError } from "./client.ts";
import { loadKubeconfigFile } from "./connection.ts";
import { openRemoteCommand } from "./remote-command.ts";
import { type ObjectEvent, watchOnce } from "./watch.ts";
import type { ConfigMap } from "./wire.ts";

// Contract suite for QuickStack's own Kubernetes client: against the API double here, and
// against a real cluster when QS_TEST_KUBECONFIG names one (test/kube-double/harness.ts).

let target: Target;
let apis: KubeApis;
let ns: string;

beforeAll(async () => {
  target = await connect();
  apis = createKubeApis(loadKubeconfigFile(target.kubeconfigPath));
  ns = await target.namespace();
});
afterAll(async () => {
  apis.rest.close();
  await target.close();
});


describe("REST client (contract)", () => {
  it("creates, lists by label, patches, replaces with optimistic concurrency and deletes", async () => {
    const made = await apis.configMaps.create(ns, { metadata: { name: "c1", labels: { tier: "a" } }, data: { k: "1" } });
    expect((await apis.configMaps.list(ns, { labelSelector: "tier=a" })).items.map((c) => c.metadata?.name)).toEqual(["c1"]);
    await apis.configMaps.patch(ns, "c1", { data: { k: "2" } }, "merge");
    // Replacing with the resourceVersion read before the patch is a conflict.
    expect((await rejection<KubeApiError>(apis.configMaps.replace(ns, "c1", { ...made, data: { k: "3" } }))).code).toBe(409);
    const fresh = await apis.configMaps.read(ns, "c1");
    expect((await apis.configMaps.replace(ns, "c1", { ...fresh, data: { k: "3" } })).data).toEqual({ k: "3" });
    await apis.configMaps.delete(ns, "c1");
    const gone = await rejection<KubeApiError>(apis.configMaps.read(ns, "c1"));
    expect([gone.code, gone.body?.reason]).toEqual([404, "NotFound"]);
  });

  it("watches a namespace from a resourceVersion", async () => {
    const from = (await apis.configMaps.list(ns)).metadata?.resourceVersion;
    const events: ObjectEvent<ConfigMap>[] = [];
    const stop = new AbortController();
    const ended = watchOnce<ConfigMap>(apis.rest, apis.configMaps.path(ns), { resourceVersion: from }, (e) => {
      if (e.type !== "BOOKMARK") events.push(e);
      if (e.type === "DELETED") stop.abort();
    }, stop.signal);
    await apis.configMaps.create(ns, { metadata: { name: "w1" } });
    await apis.configMaps.patch(ns, "w1", { data: { a: "b" } });
    await apis.configMaps.delete(ns, "w1");
    expect(await ended).toEqual({ kind: "aborted" });
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`)).toEqual(["ADDED w1", "MODIFIED w1", "DELETED w1"]);
  });

  it("reads a container's log and execs in it", async () => {
    await apis.pods.create(ns, {
      // A real kubelet runs the command; the double plays the same output from the annotation.
      metadata: { name: "sh", annotations: { [SCRIPT_ANNOTATION]: JSON.stringify({ logs: ["started"] }) } },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: "main", image: "docker.io/library/busybox:1.35", command: ["sh", "-c", "echo started; sleep 3600"] }],
      },
    });
    await eventually(async () => {
      const pod = await apis.pods.read(ns, "sh");
      return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? true : undefined;
    }, 120_000);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (c: Buffer) => (out += c.toString()));
    stderr.on("data", (c: Buffer) => (err += c.toString()));
    const session = await openRemoteCommand(
      apis.rest,
      `${apis.pods.path(ns)}/sh/exec`,
      { command: ["sh", "-c", "echo out; echo err >&2; exit 3"], container: "main", stdout: true, stderr: true },
      { stdin: null, stdout, stderr, tty: false },
    );
    const status = await session.done;
    expect([out, err]).toEqual(["out\n", "err\n"]);
    expect(status?.details?.causes?.find((c) => c.reason === "ExitCode")?.message).toBe("3");
    expect(await apis.rest.text(podLogPath(apis, ns, "sh"), { query: { container: "main", tailLines: 1 } })).toBe("started\n");
  });
});
