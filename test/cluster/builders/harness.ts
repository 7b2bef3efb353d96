import { execFile, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect } from "vitest";
import {
  buildBuildkitJob,
  buildKanikoJob,
  createContextStore,
  detectStack,
  parseBuilderDigest,
  startContextServer,
  type BuildJobInput,
  type BuildMirrors,
  type ContextServer,
  type ContextStore,
} from "@qs/builder";
import type { BuildEngine, BuildLogLine } from "@qs/core";
import { createBuildRunner, createKubeApis, loadKubeConnection, type KubeApis } from "@qs/kube";
import { net, ports, registryName, repoRoot, toolDirs } from "../src/layout.ts";
import { ensureBuilderImages, localBuilderImages, localBuildkitImage } from "./images.ts";
import { registryDigest } from "./pack.ts";

// Real builds on the real cluster, with the product's own pieces: the context is
// `git archive` of a commit, stored and served once by the product's context store and
// server; the Job is buildKanikoJob's (or buildBuildkitJob's), run by the product's BuildRunner; base images come
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
const work = mkdtempSync(join(tmpdir(), "qs-builds-"));
let relay: Server;
let contexts: ContextStore;
let contextServer: ContextServer;
let apis: KubeApis;
let builderImages: { kaniko: string; fetch: string; buildkit: string };

/** Resolves once host:port accepts a TCP connection; throws after timeoutMs. */
async function waitForTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${host}:${port} still refuses connections after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

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

export interface Built {
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
async function build(
  app: string,
  dir: string,
  engine: BuildEngine = "kaniko",
  mirrors: BuildMirrors = {},
): Promise<Built> {
  const { repo, sha } = commit(dir);
  const files = execFileSync("git", ["ls-files"], { cwd: repo, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "");
  const dockerfile: BuildJobInput["dockerfile"] = files.includes("Dockerfile")
    ? { path: "Dockerfile" }
    : {
        generated: (
          await detectStack(
            {
              files,
              readFile: (p) =>
                Promise.resolve(
                  files.includes(p)
                    ? execFileSync("git", ["show", `HEAD:${p}`], { cwd: repo })
                    : undefined,
                ),
            },
            { mirrors },
          )
        ).dockerfile,
      };
  const buildId = randomUUID().slice(0, 8);
  // `git archive` of the commit, as the push hands it to the build service.
  const tarball = join(work, `${buildId}.tar`);
  execFileSync("git", ["archive", "--format=tar", "-o", tarball, sha], { cwd: repo });
  const prepared = await contexts.prepare(buildId, createReadStream(tarball));
  expect(prepared.size, "git archive wrote the context").toBeGreaterThan(1024);
  const context = contexts.issue(buildId);
  if (context === undefined) throw new Error("the context store lost the context");
  const tag = sha.slice(0, 12);
  const make = engine === "kaniko" ? buildKanikoJob : buildBuildkitJob;
  const request = make(
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
      mirrors,
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
  const digest = parseBuilderDigest(engine, outcome.message);
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
  return get(name, "/");
}

/** GET `path` on port 5000 of the pod `name` that serve() started. */
async function get(name: string, path: string): Promise<{ status: number; body: string }> {
  const ip = (
    await kubectl(["-n", ns, "get", "pod", name, "-o", "jsonpath={.status.podIP}"])
  ).trim();
  const res = await fetch(`http://${ip}:5000${path}`);
  return { status: res.status, body: await res.text() };
}

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, "app-"));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

/** A copy of the fixture `name` of test/fixtures/stacks (a fresh repository is made of it by build()). */
function fixture(name: string): string {
  const dir = mkdtempSync(join(work, `${name}-`));
  cpSync(join(repoRoot, "test/fixtures/stacks", name), dir, { recursive: true });
  return dir;
}

/** Prints each build's seconds, by name. */
export function logBuildTimes(seconds: Record<string, number>): void {
  const rows = Object.entries(seconds).sort(([a], [b]) => a.localeCompare(b));
  console.log(rows.map(([v, s]) => `  ${v.padEnd(16)} ${s.toFixed(1)} s`).join("\n"));
}

/**
 * Registers the hooks that make the images, the namespace with its registry Service and
 * the context server, and returns what a build test needs.
 */
export function useBuildCluster(): {
  build: (app: string, dir: string, engine?: BuildEngine, mirrors?: BuildMirrors) => Promise<Built>;
  serve: (name: string, image: string) => Promise<{ status: number; body: string }>;
  get: (name: string, path: string) => Promise<{ status: number; body: string }>;
  app: (files: Record<string, string>) => string;
  fixture: (name: string) => string;
  work: string;
} {
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
      buildkit: pinned(localBuildkitImage),
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
    // kube-proxy programs the new Service a moment later (longer on a busy node); until then
    // its address refuses connections and a build would fail to push.
    const ip = (await apis.services.read(ns, "registry")).spec?.clusterIP ?? "";
    await waitForTcp(ip, 5000, 60_000);
  }, 900_000);

  afterAll(async () => {
    await kubectl(["delete", "namespace", ns, "--wait=false"]).catch(() => undefined);
    await contextServer?.close();
    await contexts?.close();
    await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
    apis?.rest.close();
    rmSync(work, { recursive: true, force: true });
  });
  return { build, serve, get, app, fixture, work };
}
