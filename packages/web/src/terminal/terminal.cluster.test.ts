// A terminal session into a real pod on the local real cluster: a busybox Deployment with
// the product's labels, /api/v1/apps/{app}/exec over a real HTTP server, the command layer's
// apps:enter, the real kubelet's exec with a TTY. `echo` shows, `exit 3` ends with code 3.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { appNamespace, silentLogger, type AuditEntry } from "@qs/core";
import type { CommandServices } from "@qs/commands";
import { createClusterOps, createKubeApis, loadKubeConnection, type KubeApis } from "@qs/kube";
import { imageName } from "../../../../test/cluster/src/images.ts";
import { createHttpApp } from "../app.ts";
import { serveHttp, type HttpServer } from "../serve.ts";
import { createTerminalHub, type TerminalHub } from "./hub.ts";

const app = `term-${randomUUID().slice(0, 8)}`;
const ns = appNamespace(app);
const audit: AuditEntry[] = [];
let apis: KubeApis;
let server: HttpServer;
let hub: TerminalHub;

beforeAll(async () => {
  apis = createKubeApis(loadKubeConnection(process.env.QS_TEST_KUBECONFIG ?? ""));
  await apis.namespaces.create({ metadata: { name: ns } });
  const labels = { "quickstack.dev/app": app, "quickstack.dev/process": "web" };
  await apis.deployments.create(ns, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `${app}-web`, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: "web",
              image: imageName("library/busybox:1.35"),
              command: ["sleep", "3600"],
              securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 65534, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
            },
          ],
        },
      },
    },
  });
  const end = Date.now() + 120_000;
  for (;;) {
    const pods = (await apis.pods.list(ns, { labelSelector: `quickstack.dev/app=${app}` })).items;
    if (pods.some((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))) break;
    if (Date.now() > end) throw new Error(`the busybox pod did not become ready: ${JSON.stringify(pods.map((p) => p.status))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const services = {
    apps: { exists: (n: string) => Promise.resolve(n === app), get: (n: string) => Promise.resolve({ name: n, spec: { processes: {} }, status: {} }) },
    access: { canAccessApp: () => Promise.resolve(false), authenticateToken: () => Promise.resolve({ user: "alice", role: "admin" }) },
    ops: createClusterOps({ apis }),
    audit: { record: (e: AuditEntry) => Promise.resolve(void audit.push(e)), list: () => Promise.resolve(audit) },
  } as unknown as CommandServices;
  hub = createTerminalHub({ services });
  server = await serveHttp(createHttpApp({ logger: silentLogger, readiness: {}, api: { services, terminals: hub } }), "127.0.0.1", 0);
}, 180_000);

afterAll(async () => {
  hub?.close();
  await server?.close(1_000);
  await apis?.namespaces.delete(ns).catch(() => undefined);
  apis?.rest.close();
});

describe("web terminal on the real cluster", () => {
  it("runs echo in a real pod's shell and ends with exit code 3", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/apps/${app}/exec?command=sh`, { headers: { authorization: "Bearer qst_x" } });
    let output = "";
    const frames: Record<string, unknown>[] = [];
    ws.on("message", (data: Buffer, binary) => {
      if (binary) output += data.toString("utf8");
      else frames.push(JSON.parse(data.toString("utf8")) as Record<string, unknown>);
    });
    const closed = new Promise<void>((resolve) => ws.on("close", () => resolve()));
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const waitFor = async (pattern: RegExp) => {
      const end = Date.now() + 30_000;
      while (!pattern.test(output)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${pattern} in ${JSON.stringify(output.slice(-400))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const marker = randomUUID().slice(0, 8);
    ws.send(Buffer.from(`echo hello-${marker}-$((6*7))\r`), { binary: true });
    await waitFor(new RegExp(`hello-${marker}-42\\r?\\n`));
    ws.send(Buffer.from("exit 3\r"), { binary: true });
    await closed;
    expect(frames[0]).toMatchObject({ type: "started" });
    expect(frames.at(-1)).toMatchObject({ type: "end", reason: "exited", exitCode: 3 });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user: "alice", app, exitCode: 3, via: "api", pod: frames[0]?.pod });
  }, 60_000);
});
