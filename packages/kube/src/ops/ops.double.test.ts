import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "@qs/core";
import type { KubeDouble } from "../../../../test/kube-double/src/index.ts";
import type { KubeApis } from "../apis.ts";
import { RESTARTED_AT, createClusterOps } from "./cluster-ops.ts";
import { createNodeOps } from "./nodes.ts";
import { startDoubleWithApis } from "../../../../test/support/double-apis.ts";

let double: KubeDouble;
let apis: KubeApis;
let closeDouble: () => Promise<void>;

beforeAll(async () => {
  ({ double, apis, close: closeDouble } = await startDoubleWithApis({ nodes: 2 }));
});
afterAll(async () => {
  await closeDouble();
});

async function freshApp(): Promise<string> {
  const app = `t${randomUUID().slice(0, 8)}`;
  await apis.namespaces.create({ metadata: { name: appNamespace(app) } });
  return app;
}

function deployment(app: string, process: string) {
  const labels = { "quickstack.dev/app": app, "quickstack.dev/process": process };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `${app}-${process}`, namespace: appNamespace(app), labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: process, image: "registry.local/x:1" }] } },
    },
  };
}

describe("cluster ops over the Kubernetes API double", () => {
  it("restarts by annotating the pod template of every (or one) process type", async () => {
    const app = await freshApp();
    const namespace = appNamespace(app);
    await apis.deployments.create(namespace, deployment(app, "web"));
    await apis.deployments.create(namespace, deployment(app, "worker"));
    const ops = createClusterOps({ apis });
    expect(await ops.restart(app)).toEqual(["web", "worker"]);
    const web = await apis.deployments.read(namespace, `${app}-web`);
    const stamp = web.spec?.template.metadata?.annotations?.[RESTARTED_AT];
    expect(Date.parse(stamp ?? "")).not.toBeNaN();
    expect(web.spec?.template.spec?.containers[0]?.image).toBe("registry.local/x:1");
    expect(await ops.restart(app, "worker")).toEqual(["worker"]);
    await expect(ops.restart(app, "nope")).rejects.toMatchObject({ code: "PROCESS_NOT_FOUND" });
  });

  it("finds no processes of an app without pods", async () => {
    const app = await freshApp();
    const ops = createClusterOps({ apis });
    expect(await ops.ps(app)).toEqual([]);
    const lines: string[] = [];
    await ops.logs(app, { follow: false }, (l) => lines.push(l.line), new AbortController().signal);
    expect(lines).toEqual([]);
    await expect(
      ops.enter(app, undefined, ["sh"], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, new AbortController().signal),
    ).rejects.toMatchObject({ code: "NO_RUNNING_PROCESS" });
  });
});

function pod(app: string, name: string, lines: string[]) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: appNamespace(app),
      labels: { "quickstack.dev/app": app, "quickstack.dev/process": "web" },
      annotations: { "kube-double.quickstack.dev/script": JSON.stringify({ logs: lines }) },
    },
    spec: { containers: [{ name: "web", image: "registry.local/x:1" }] },
  };
}

async function until(probe: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !probe(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!probe()) throw new Error(`timed out waiting for ${what}`);
}

describe("log follow over the Kubernetes API double", () => {
  it("keeps attaching to new pods after its watch is dropped, and frees indices of deleted pods", async () => {
    const app = await freshApp();
    const namespace = appNamespace(app);
    await apis.pods.create(namespace, pod(app, "p1", ["first pod"]));
    const ops = createClusterOps({ apis });
    const seen: string[] = [];
    const controller = new AbortController();
    double.setFaults({ dropWatchesAfterMs: 200 });
    const following = ops.logs(app, { follow: true }, (l) => seen.push(`${l.source} | ${l.line}`), controller.signal);
    try {
      await until(() => seen.includes("web.1 | first pod"), "the first pod's line");
      await new Promise((r) => setTimeout(r, 600)); // the watch has been dropped by now
      await apis.pods.create(namespace, pod(app, "p2", ["second pod"]));
      await until(() => seen.includes("web.2 | second pod"), "the new pod's line");
      await apis.pods.delete(namespace, "p1");
      await new Promise((r) => setTimeout(r, 600));
      await apis.pods.create(namespace, pod(app, "p3", ["third pod"]));
      await until(() => seen.includes("web.1 | third pod"), "the third pod as web.1");
    } finally {
      double.setFaults({});
      controller.abort();
      await following;
    }
    expect(seen.filter((l) => l === "web.1 | first pod")).toHaveLength(1);
  });
});

describe("nodes over the Kubernetes API double", () => {
  it("lists nodes with status and capacity", async () => {
    const nodes = await createNodeOps({ apis }).list();
    expect(nodes.map((n) => n.name)).toEqual(["node-1", "node-2"]);
    expect(nodes[0]).toMatchObject({ status: "Ready", cpuCapacityMillicores: 4000, memoryCapacityBytes: 8 * 2 ** 30 });
  });

  it("prints the join line from the installer's Secret, and says what to do without it", async () => {
    const namespace = `qs-test-${randomUUID().slice(0, 8)}`;
    await apis.namespaces.create({ metadata: { name: namespace } });
    const nodes = createNodeOps({ apis, namespace });
    await expect(nodes.joinCommand()).rejects.toMatchObject({ code: "JOIN_INFO_MISSING" });
    await apis.secrets.create(namespace, {
      metadata: { name: "quickstack-join" },
      stringData: { token: "K10abc::server:secret", server: "https://203.0.113.5:6443", "install-url": "https://qs.example.com/install.sh" },
    });
    expect(await nodes.joinCommand()).toBe(
      "curl -fsSL https://qs.example.com/install.sh | sh -s - join --server https://203.0.113.5:6443 --token K10abc::server:secret",
    );
    // Without install-url in the Secret, the configured install URL is used.
    await apis.secrets.replace(namespace, "quickstack-join", {
      metadata: { name: "quickstack-join" },
      stringData: { token: "K10abc::server:secret", server: "https://203.0.113.5:6443" },
    });
    await expect(nodes.joinCommand()).rejects.toMatchObject({ code: "JOIN_INFO_MISSING" });
    expect(await createNodeOps({ apis, namespace, installUrl: "https://get.qs.test/install.sh" }).joinCommand()).toBe(
      "curl -fsSL https://get.qs.test/install.sh | sh -s - join --server https://203.0.113.5:6443 --token K10abc::server:secret",
    );
    // A server installed --with-longhorn: joining nodes get Longhorn's prerequisites too.
    await apis.secrets.replace(namespace, "quickstack-join", {
      metadata: { name: "quickstack-join" },
      stringData: { token: "K10abc::server:secret", server: "https://203.0.113.5:6443", "with-longhorn": "true" },
    });
    expect(await createNodeOps({ apis, namespace, installUrl: "https://get.qs.test/install.sh" }).joinCommand()).toBe(
      "curl -fsSL https://get.qs.test/install.sh | sh -s - join --server https://203.0.113.5:6443 --token K10abc::server:secret --with-longhorn",
    );
  });
});
