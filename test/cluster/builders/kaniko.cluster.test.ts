import { execFile, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildKanikoJob,
  createContextStore,
  detectStack,
  parseBuilderDigest,
  startContextServer,
  type BuildJobInput,
  type ContextServer,
  type ContextStore,
} from "@qs/builder";
import type { BuildLogLine } from "@qs/core";
import { createBuildRunner, createKubeApis, loadKubeConnection, type KubeApis } from "@qs/kube";
import { net, ports, registryName, repoRoot, toolDirs } from "../src/layout.ts";
import { ensureBuilderImages, localBuilderImages } from "./images.ts";
import { registryDigest } from "./pack.ts";

// A real Kaniko build on the real cluster, with the product's own pieces: the context is
// `git archive` of a commit, stored and served once by the product's context store and
// server; the Job is buildKanikoJob's, run by the product's BuildRunner; base images come
// through the registry mirror (QS_BUILDER_REGISTRY_MIRROR) as they would from a production
// pull-through cache. The image must land in the registry with the digest the Job
// reports, and a pod running it must answer HTTP with the app's body.
//
// Pods reach the registry as `registry.<ns>.svc:5000`, a Service whose endpoint is a relay
// on the node's address to the loopback registry (which listens on 127.0.0.1 only), and
// the node pulls the same name through containerd's mirror of every registry.

const run = promisify(execFile);
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const kubectlBin = join(toolDirs(true).kubernetes ?? "", "kubectl");
const kubectl = async (args: string[], input?: string): Promise<string> => {
  const child = run(kubectlBin, ["--kubeconfig", kubeconfig, ...args], {
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (input !== undefined) child.child.stdin?.end(input);
  return (await child).stdout;
};

const ns = `kb-${randomUUID().slice(0, 8)}`;
const registryHost = `registry.${ns}.svc:5000`;
const work = mkdtempSync(join(tmpdir(), "qs-kaniko-"));
let relay: Server;
let contexts: ContextStore;
let contextServer: ContextServer;
let apis: KubeApis;
let builderImages: { kaniko: string; fetch: string };

/** A TCP relay on the node's address to the loopback registry; resolves with its port. */
async function startRelay(): Promise<Server> {
  const server = createServer((socket) => {
    const upstream = connect(ports.registry, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, net.nodeIp, () => resolve());
  });
  return server;
}

async function freePort(host: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, host, () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  expect(kubeconfig, "QS_TEST_KUBECONFIG names the local cluster's kubeconfig").not.toBe("");
  const digests = await ensureBuilderImages((line) => console.log(line));
  // By digest, as install.sh pins them: a node keeps an image it pulled by tag, so a
  // remade image under the same tag would not reach it.
  const pinned = (image: string): string => {
    const digest = digests[image.slice(registryName.length + 1)];
    if (digest === undefined) throw new Error(`images.ts made no ${image}`);
    return `${image}@${digest}`;
  };
  builderImages = {
    kaniko: pinned(localBuilderImages.kaniko),
    fetch: pinned(localBuilderImages.fetch),
  };
  relay = await startRelay();
  const relayPort = (relay.address() as AddressInfo).port;
  const contextPort = await freePort(net.nodeIp);
  contexts = createContextStore({
    dir: join(work, "contexts"),
    baseUrl: `http://${net.nodeIp}:${contextPort}`,
  });
  contextServer = await startContextServer(contexts, { host: net.nodeIp, port: contextPort });
  const objects = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "registry", namespace: ns },
      spec: { ports: [{ name: "registry", port: 5000, protocol: "TCP" }] },
    },
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: "registry-relay",
        namespace: ns,
        labels: { "kubernetes.io/service-name": "registry" },
      },
      addressType: "IPv4",
      endpoints: [{ addresses: [net.nodeIp] }],
      ports: [{ name: "registry", port: relayPort, protocol: "TCP" }],
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "qs-registry-push", namespace: ns },
      type: "kubernetes.io/dockerconfigjson",
      // The loopback registry has no accounts; the product mounts this Secret regardless.
      stringData: { ".dockerconfigjson": JSON.stringify({ auths: {} }) },
    },
  ];
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
  );
  apis = createKubeApis(loadKubeConnection(kubeconfig));
}, 900_000);

afterAll(async () => {
  await kubectl(["delete", "namespace", ns, "--wait=false"]).catch(() => undefined);
  await contextServer?.close();
  await contexts?.close();
  await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  apis?.rest.close();
  rmSync(work, { recursive: true, force: true });
});

interface Built {
  readonly digest: string;
  readonly image: string;
  readonly seconds: number;
  readonly lines: readonly BuildLogLine[];
}

/** Commits `dir` to a fresh repository; returns its path and the commit. */
function commit(dir: string): { repo: string; sha: string } {
  const git = (args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@t",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@t",
      },
    }).trim();
  if (!existsSync(join(dir, ".git"))) git(["init", "-q", "-b", "main"]);
  git(["add", "-A"]);
  git(["commit", "-q", "-m", "build", "--allow-empty"]);
  return { repo: dir, sha: git(["rev-parse", "HEAD"]) };
}

/** Builds `dir`'s commit as the product does and returns the pushed image. */
async function build(app: string, dir: string): Promise<Built> {
  const { repo, sha } = commit(dir);
  const files = execFileSync("git", ["ls-files"], { cwd: repo, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "");
  const dockerfile: BuildJobInput["dockerfile"] = files.includes("Dockerfile")
    ? { path: "Dockerfile" }
    : {
        generated: (
          await detectStack({
            files,
            readFile: (p) =>
              Promise.resolve(
                files.includes(p)
                  ? execFileSync("git", ["show", `HEAD:${p}`], { cwd: repo })
                  : undefined,
              ),
          })
        ).dockerfile,
      };
  const buildId = randomUUID().slice(0, 8);
  const archive = spawn("git", ["archive", "--format=tar", sha], { cwd: repo });
  let archiveErr = "";
  archive.stderr.on("data", (b: Buffer) => (archiveErr += b.toString()));
  const exited = new Promise<number | null>((resolve) => archive.on("close", resolve));
  const prepared = await contexts.prepare(buildId, archive.stdout);
  expect(await exited, `git archive: ${archiveErr}`).toBe(0);
  expect(prepared.size, "git archive wrote the context").toBeGreaterThan(1024);
  const context = contexts.issue(buildId);
  if (context === undefined) throw new Error("the context store lost the context");
  const tag = sha.slice(0, 12);
  const request = buildKanikoJob(
    {
      app,
      buildId,
      gitSha: sha,
      destination: `${registryHost}/${app}:${tag}`,
      cacheRepo: `${registryHost}/${app}/cache`,
      context,
      dockerfile,
    },
    {
      namespace: ns,
      images: builderImages,
      insecureRegistry: true,
      registryMirror: `http://${registryHost}`,
      // Two cores here, shared with the cluster itself.
      resources: {
        requests: { cpu: "100m", memory: "256Mi" },
        limits: { cpu: "2", memory: "3Gi" },
      },
      timeoutSeconds: 600,
    },
  );
  const lines: BuildLogLine[] = [];
  const t0 = Date.now();
  const outcome = await createBuildRunner(apis).run(
    request,
    (l) => lines.push(l),
    new AbortController().signal,
  );
  const seconds = (Date.now() - t0) / 1000;
  await prepared.release();
  expect(
    outcome,
    lines
      .map((l) => `${l.container}: ${l.text}`)
      .slice(-40)
      .join("\n"),
  ).toMatchObject({
    succeeded: true,
  });
  const digest = parseBuilderDigest("kaniko", outcome.message);
  expect(digest, `termination message: ${outcome.message ?? ""}`).toMatch(/^sha256:[a-f0-9]{64}$/);
  // The registry holds the tag with exactly the digest the Job reported.
  expect(await registryDigest(`${app}:${tag}`)).toBe(digest);
  return { digest: digest ?? "", image: `${registryHost}/${app}@${digest ?? ""}`, seconds, lines };
}

/** Runs `image` as a pod with PORT=5000 and returns the body of GET / on it. */
async function serve(name: string, image: string): Promise<{ status: number; body: string }> {
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: ns },
      spec: {
        containers: [
          {
            name: "web",
            image,
            env: [{ name: "PORT", value: "5000" }],
            readinessProbe: { tcpSocket: { port: 5000 }, periodSeconds: 1 },
          },
        ],
      },
    }),
  );
  await kubectl(["-n", ns, "wait", "--for=condition=Ready", `pod/${name}`, "--timeout=120s"]);
  const ip = (
    await kubectl(["-n", ns, "get", "pod", name, "-o", "jsonpath={.status.podIP}"])
  ).trim();
  const res = await fetch(`http://${ip}:5000/`);
  return { status: res.status, body: await res.text() };
}

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, "app-"));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

describe("Kaniko on the real cluster", () => {
  it("builds an app's own Dockerfile, pushes it with the digest it reports, and the image serves HTTP", async () => {
    const dir = app({
      Dockerfile: [
        "FROM busybox:1.37.0",
        "COPY index.html /srv/www/index.html",
        "USER 65534:65534",
        'CMD ["/bin/sh", "-c", "exec httpd -f -p \\"$PORT\\" -h /srv/www"]',
        "",
      ].join("\n"),
      "index.html": "hello from a Dockerfile\n",
    });
    const built = await build("dockerfile-app", dir);
    console.log(`Dockerfile app built in ${built.seconds.toFixed(1)} s (${built.digest})`);
    expect(await serve("dockerfile-app", built.image)).toEqual({
      status: 200,
      body: "hello from a Dockerfile\n",
    });
  }, 600_000);

  it("builds a Node app without a Dockerfile (generated), and a source-only change reuses the dependency layers", async () => {
    const dir = mkdtempSync(join(work, "node-"));
    cpSync(join(repoRoot, "test/fixtures/stacks/node-env-start"), dir, { recursive: true });
    const first = await build("node-app", dir);
    expect(await serve("node-app-1", first.image)).toEqual({ status: 200, body: "env-prefixed\n" });

    writeFileSync(
      join(dir, "server.js"),
      'require("node:http").createServer((_, res) => res.end(`${process.env.GREETING} v2\\n`)).listen(Number(process.env.PORT ?? 5000));\n',
    );
    const second = await build("node-app", dir);
    const ratio = second.seconds / first.seconds;
    console.log(
      `Node app: first build ${first.seconds.toFixed(1)} s, source-only rebuild ${second.seconds.toFixed(1)} s (ratio ${ratio.toFixed(2)})`,
    );
    // Kaniko's own word that the dependency installs came from the layer cache.
    const cached = second.lines.filter((l) =>
      /Using caching version of cmd: .*npm (ci|install)/.test(l.text),
    );
    expect(cached.length, second.lines.map((l) => l.text).join("\n")).toBeGreaterThanOrEqual(2);
    expect(second.digest).not.toBe(first.digest);
    expect(await serve("node-app-2", second.image)).toEqual({
      status: 200,
      body: "env-prefixed v2\n",
    });
  }, 900_000);
});
