import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpYaml } from "@kubernetes/client-node";
import { stringify } from "yaml";
import type { AppSpec, Release } from "@qs/core";
import { renderApp, renderOptions } from "@qs/kube";
import { newAppObject } from "../../packages/kube/src/resources/app-object.ts";
import { newReleaseObject } from "../../packages/kube/src/resources/release-object.ts";
import { startKubeDouble, type KubeDouble } from "../kube-double/src/index.ts";
import { tempDir } from "../support/tmp.ts";

// Issue 9: a rendered sample App — the App and Release objects and everything the
// reconciler renders for them — applies with the real kubectl to the API double, which
// checks each object strictly against the official Kubernetes schemas and the CRDs'.
const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");

const spec: AppSpec = {
  deployBranch: "main",
  processes: { web: { replicas: 2, cpu: "250m", memory: "256Mi" }, worker: { replicas: 1 } },
  domains: ["shop.example.com", "www.shop.example.com"],
  volumes: [{ name: "uploads", mountPath: "/app/uploads", size: "2Gi", processes: ["web"] }],
  healthCheckPath: "/health",
  builder: { mode: "auto", engine: "buildkit", dockerfile: "Dockerfile" },
  release: 3,
};

const release: Release = {
  app: "shop",
  number: 3,
  image: `registry.qs-system.svc:5000/shop@sha256:${"a".repeat(64)}`,
  configHash: "b".repeat(64),
  processes: { web: "node server.js", worker: "node worker.js" },
  releaseCommand: "node migrate.js",
  gitSha: "c".repeat(40),
  author: "ann",
  description: "Deploy ccccccc",
  createdAt: "2026-11-25T12:00:00.000Z",
};

describe("a rendered sample App", () => {
  let double: KubeDouble;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", double.kubeconfigPath, ...args]);
  const apply = async (name: string, objects: readonly object[], dump: (o: object) => string = (o) => stringify(o)): Promise<string> => {
    const file = join(dir.path, `${name}.yaml`);
    await writeFile(file, objects.map(dump).join("---\n"));
    return (await kubectl("apply", "--validate=strict", "-f", file)).stdout;
  };

  beforeAll(async () => {
    double = await startKubeDouble({ controllers: false });
    dir = await tempDir("qs-sample-app-");
    await kubectl("apply", "-k", join(root, "deploy/crds"));
    await kubectl("create", "namespace", "qs-app-shop");
  });
  afterAll(async () => {
    await double?.close();
    await dir?.remove();
  });

  it("applies the App, its Release and every rendered object cleanly", async () => {
    expect(await apply("app", [newAppObject("shop", spec, "ann")])).toContain("app.quickstack.dev/shop created");
    const uid = JSON.parse((await kubectl("get", "app", "shop", "-n", "qs-app-shop", "-o", "json")).stdout).metadata.uid as string;
    const { app: _app, ...releaseSpec } = release;
    expect(await apply("release", [newReleaseObject({ app: "shop", ...releaseSpec }, "qs-app-shop", uid)])).toContain(
      "release.quickstack.dev/shop-v3 created",
    );
    const objects = renderApp({
      app: "shop",
      appUid: uid,
      spec,
      release,
      options: renderOptions({
        baseDomain: "apps.example.com",
        registryAuth: { server: "registry.qs-system.svc:5000", username: "qs", password: "pw" },
      }),
    });
    const kinds = objects.map((o) => o.kind).sort();
    expect(kinds).toEqual(["Deployment", "Deployment", "Ingress", "NetworkPolicy", "PersistentVolumeClaim", "Secret", "Service"]);
    // The renderers build client-node models (e.g. `_from`); the wire form is what
    // client-node's serializer makes of them, exactly as the reconciler sends them.
    const out = await apply("rendered", objects, (o) => dumpYaml(o));
    expect(out.trim().split("\n")).toHaveLength(objects.length);
    expect(out).not.toMatch(/warning|unknown field/i);
  });

  it("is refused when the App breaks its CRD schema", async () => {
    const good = newAppObject("shop2", spec, "ann");
    const bad = { ...good, metadata: { ...good.metadata, namespace: "qs-app-shop" }, spec: { ...spec, processes: { web: { replicas: "two" } } } };
    const refused = await apply("bad", [bad]).then(
      () => "applied",
      (err: { stderr: string }) => err.stderr,
    );
    expect(refused).toMatch(/replicas/);
    expect(refused).not.toBe("applied");
  });
});
