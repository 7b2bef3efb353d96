// A whole push on the local real cluster (test/cluster), through a control plane run here:
// a Node app without a Dockerfile, built by a real Kaniko pod, released, answering HTTP.
// Reports figures only (npm run bench never fails on timings):
//   - git push → first HTTP 200 through the app's Service;
//   - the first build and a second one after a source-only change, and their ratio
//     (target ≤ 0.5: the second reuses the cached dependency-install layers);
//   - the platform's overhead per deploy (target ≤ 1 s): push received → builder Job created,
//     plus image pushed → Deployment updated.
// The app has real dependencies (typescript, prettier and playwright-core, about 50 MB, none
// with dependencies of its own), packed from this checkout's node_modules and served to the
// builder pod from the node address: no package registry is reachable here, and an app
// without dependencies has no install for the cache to save.
// Skipped, with the reason, when the cluster is not built or not up. Never starts or stops it.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Logger, appNamespace, silentLogger } from "@qs/core";
import { LABEL_APP, LABEL_RELEASE, createKubeApis, loadKubeConnection, type KubeApis } from "@qs/kube";
import { watchOnce } from "../../packages/kube/src/rest/watch.ts";
import { startControlPlane } from "../../apps/server/src/control-plane.ts";
import { ensureBuilderImages } from "../../test/cluster/builders/images.ts";
import { realClusterConfig } from "../../test/cluster/push-harness.ts";
import { daemonPid } from "../../test/cluster/src/daemons.ts";
import { clusterPaths, net, repoRoot } from "../../test/cluster/src/layout.ts";
import { prepareCluster } from "../../test/support/quickstack-cluster.ts";
import { startRedis } from "../../test/support/services.ts";
import { generateClientKey, gitSshCommand, sshExec } from "../../test/support/ssh.ts";
import { tempDir } from "../../test/support/tmp.ts";
import { localClusterBuilt } from "../dev/real-cluster.ts";

const run = promisify(execFile);
/** When the control plane took each push of the bench app in hand (ms since epoch). */
const received: number[] = [];
/**
 * A silent logger that notes "push received": the push pipeline makes its per-push child
 * logger (bound to the push id and app) the moment a push reaches it, before it prints
 * anything. Noted in-process: the git client sees the first line later.
 */
const receivedMarker: Logger = {
  ...silentLogger,
  child: (bindings) => {
    if ("push" in bindings && bindings.app === app) received.push(Date.now());
    return silentLogger;
  },
};
const BUILDS_NAMESPACE = "qs-builds";

const paths = clusterPaths();
const skip = await whySkip();
if (skip !== undefined) {
  console.log(`Real-cluster push: skipped (${skip})`);
  process.exit(0);
}

const app = `bench${Date.now().toString(36).slice(-5)}`;
const systemNamespace = `qs-system-${app}`;
const tmp = await tempDir("qs-bench-real-");
const cleanups: (() => Promise<unknown>)[] = [() => tmp.remove()];
try {
  await ensureBuilderImages(() => undefined);
  await prepareCluster(paths.adminKubeconfig, { systemNamespace });
  cleanups.unshift(() => kubectl(["delete", "namespace", systemNamespace, "--wait=false"]));
  const redis = await startRedis(join(tmp.path, "redis"));
  cleanups.unshift(() => redis.stop());
  const tarballs = await serveDependencies(join(tmp.path, "packages"));
  cleanups.unshift(() => new Promise((r) => tarballs.server.close(r)));

  const key = await generateClientKey(tmp.path, "ed25519", "admin");
  const plane = await startControlPlane(
    await realClusterConfig({
      dataDir: join(tmp.path, "data"),
      redisUrl: redis.url,
      kubeconfig: paths.adminKubeconfig,
      systemNamespace,
      adminKey: key.publicKey,
    }),
    receivedMarker,
  );
  cleanups.unshift(() => plane.close());
  const apis = createKubeApis(loadKubeConnection(paths.adminKubeconfig));
  cleanups.unshift(() => Promise.resolve(apis.rest.close()));
  const ssh = (command: string) => sshExec(plane.sshPort, key, command);
  cleanups.unshift(() => ssh(`apps:destroy ${app} --confirm ${app}`));

  const created = await ssh(`apps:create ${app}`);
  if (created.code !== 0) throw new Error(`apps:create: ${created.stderr}`);
  const work = join(tmp.path, "work");
  await mkdir(work);
  const git = (...args: string[]) => run("git", args, { cwd: work });
  await git("init", "-q", "-b", "main");
  await git("remote", "add", "qs", `ssh://git@127.0.0.1:${plane.sshPort}/${app}.git`);
  const gitEnv = { ...process.env, GIT_SSH_COMMAND: gitSshCommand(key), GIT_TERMINAL_PROMPT: "0" };
  const commit = async (files: Record<string, string>): Promise<void> => {
    for (const [name, text] of Object.entries(files)) await writeFile(join(work, name), text);
    await run("git", ["add", "-A"], { cwd: work });
    await run("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.test", "commit", "-q", "-m", "change"], { cwd: work });
  };

  await commit({ ...nodeApp(tarballs.lock), "server.js": server("v1") });
  const first = await timedPush(apis, work, gitEnv, 1);
  const firstHttp = await untilHttp(apis, "hello v1");
  await commit({ "server.js": server("v2") });
  const second = await timedPush(apis, work, gitEnv, 2);
  await untilHttp(apis, "hello v2");

  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `Node app without a Dockerfile, QuickStack's own runtime dependencies (${tarballs.count} packages, ${tarballs.mib} MiB packed), real Kaniko builds on the local cluster:`,
  );
  console.log(`  git push → first HTTP 200            ${s(firstHttp - first.started)}`);
  console.log(`  first build                          ${s(first.build)}`);
  console.log(`  second build (source-only change)    ${s(second.build)}`);
  console.log(`  ratio ${(second.build / first.build).toFixed(2)} (target ≤ 0.5)`);
  for (const [n, p] of [first, second].entries()) {
    console.log(
      `  platform overhead, push ${n + 1}: ${s(p.toJob + p.toDeployment)} = push received → builder Job created ${s(p.toJob)} + image pushed → Deployment updated ${s(p.toDeployment)} (target ≤ 1 s)`,
    );
  }
} catch (err) {
  console.log(`Real-cluster push: failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  for (const c of cleanups) await c().catch(() => undefined);
}

/** Why the bench cannot run here, or undefined. */
async function whySkip(): Promise<string | undefined> {
  if (!localClusterBuilt()) return "the local cluster is not built on this machine, or this is not root: npm run cluster -- build";
  if (daemonPid(paths.pids, "kube-apiserver") === undefined) return "the local cluster is not up: npm run cluster -- up";
  const apis = createKubeApis(loadKubeConnection(paths.adminKubeconfig));
  try {
    await Promise.race([
      apis.namespaces.list(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("no answer in 10 s")), 10_000)),
    ]);
    return undefined;
  } catch (err) {
    return `the local cluster's API server does not answer: ${(err as Error).message}`;
  } finally {
    apis.rest.close();
  }
}

async function kubectl(args: string[]): Promise<unknown> {
  return run("kubectl", ["--kubeconfig", paths.adminKubeconfig, ...args]);
}

/**
 * The app's dependencies are a real app's: QuickStack's own runtime tree (every package of
 * this checkout's lockfile that is not a dev dependency, at the same paths). Each is packed
 * from node_modules as npm packs it (a `package/` folder) and served on the node address,
 * where builder pods reach it (the lockfile's `resolved` URLs).
 */
async function serveDependencies(dir: string): Promise<{ server: Server; url: string; lock: LockPackages; count: number; mib: string }> {
  await mkdir(dir, { recursive: true });
  const root = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: LockPackages };
  const lock: LockPackages = {};
  const files = new Map<string, string>();
  let bytes = 0;
  for (const [path, entry] of Object.entries(root.packages)) {
    if (!path.startsWith("node_modules/") || entry.dev === true || entry.link === true) continue;
    if (!existsSync(join(repoRoot, path))) {
      // Another platform's optional package (npm skips it by its os/cpu): listed, never fetched.
      lock[path] = entry;
      continue;
    }
    const file = `${createHash("sha256").update(path).digest("hex").slice(0, 16)}.tgz`;
    await run("tar", ["-czf", join(dir, file), "--exclude=./node_modules", "--transform", "s,^\\.,package,", "-C", join(repoRoot, path), "."]);
    const data = readFileSync(join(dir, file));
    bytes += statSync(join(dir, file)).size;
    files.set(`/${file}`, file);
    lock[path] = { ...entry, resolved: file, integrity: `sha512-${createHash("sha512").update(data).digest("base64")}` };
  }
  const server = createServer((req, res) => {
    const file = files.get(req.url ?? "");
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" });
    createReadStream(join(dir, file)).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, net.nodeIp, resolve));
  const url = `http://${net.nodeIp}:${(server.address() as AddressInfo).port}`;
  for (const [path, entry] of Object.entries(lock)) if (files.has(`/${entry.resolved}`) && existsSync(join(repoRoot, path))) entry.resolved = `${url}/${entry.resolved}`;
  return { server, url, lock, count: files.size, mib: (bytes / 1024 / 1024).toFixed(1) };
}

type LockPackages = Record<string, { version?: string; resolved?: string; integrity?: string; dev?: boolean; link?: boolean; optional?: boolean; [key: string]: unknown }>;

/** package.json (the top-level packages as its dependencies), its lockfile, and an .npmrc without audit (no registry here). */
function nodeApp(lock: LockPackages): Record<string, string> {
  const dependencies = Object.fromEntries(
    Object.entries(lock)
      .filter(([path, entry]) => !path.slice("node_modules/".length).includes("node_modules/") && entry.optional !== true)
      .map(([path, entry]) => [path.slice("node_modules/".length), entry.version ?? "*"]),
  );
  const packages = { "": { name: "bench-app", version: "1.0.0", dependencies }, ...lock };
  return {
    "package.json": JSON.stringify({ name: "bench-app", version: "1.0.0", private: true, dependencies, scripts: { start: "node server.js" } }, null, 2),
    "package-lock.json": JSON.stringify({ name: "bench-app", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2),
    ".npmrc": "audit=false\nfund=false\nupdate-notifier=false\n",
  };
}

/** The app's server: loads a dependency (so the install is really used) and says `tag`. */
function server(tag: string): string {
  return `require("yaml");\nrequire("node:http").createServer((_, res) => res.end("hello ${tag}\\n")).listen(Number(process.env.PORT));\n`;
}

interface PushTimes {
  /** When git push started (ms since epoch). */
  readonly started: number;
  /** Push received → `-----> Built in` reaching the git client. */
  readonly build: number;
  /** Push received → the builder Job's ADDED event. */
  readonly toJob: number;
  /**
   * Kaniko's last `Pushed …@sha256:` line (the image; cache layers go first) reaching the git
   * client → the Deployment of `release`. The line arrives a little after the push, so this
   * is short by that lag (the first line's shows about 0.1–0.2 s).
   */
  readonly toDeployment: number;
}

/**
 * Pushes HEAD and times it from the push's own lines (each stamped as it reaches the git
 * client) and from watches on the builder Job and the app's Deployment. Throws unless the
 * push released `release`.
 */
async function timedPush(apis: KubeApis, work: string, env: NodeJS.ProcessEnv, release: number): Promise<PushTimes> {
  const stop = new AbortController();
  try {
    const jobs = await apis.jobs.list(BUILDS_NAMESPACE, { labelSelector: `${LABEL_APP}=${app}` });
    const jobAdded = firstEvent(apis, apis.jobs.path(BUILDS_NAMESPACE), `${LABEL_APP}=${app}`, jobs.metadata?.resourceVersion, (e) => e.type === "ADDED", stop.signal);
    const ns = appNamespace(app);
    const deployments = await apis.deployments.list(ns);
    const deployed = firstEvent(
      apis,
      apis.deployments.path(ns),
      `${LABEL_APP}=${app}`,
      deployments.metadata?.resourceVersion,
      (e) => (e.object as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template?.metadata?.labels?.[LABEL_RELEASE] === `v${release}`,
      stop.signal,
    );
    // Awaited below; until then a failed push must not leave them rejected and unhandled.
    for (const p of [jobAdded, deployed]) p.catch(() => undefined);
    const started = Date.now();
    const lines = await gitPush(work, env);
    if (process.env.BENCH_VERBOSE === "1") for (const l of lines) console.log(`  ${new Date(l.at).toISOString()} ${l.text}`);
    const at = (re: RegExp): number => {
      const l = lines.findLast((x) => re.test(x.text));
      if (l === undefined) throw new Error(`the push printed no line matching ${re}:\n${lines.map((x) => x.text).join("\n")}`);
      return l.at;
    };
    if (!lines.some((l) => l.text.includes(`Released v${release}`))) {
      throw new Error(`the push did not release v${release}:\n${lines.map((x) => x.text).join("\n")}`);
    }
    const pushedAt = received[release - 1];
    if (pushedAt === undefined) throw new Error("the control plane's push pipeline was not seen starting (its per-push logger)");
    return {
      started,
      build: at(/-----> Built in/) - pushedAt,
      toJob: (await jobAdded) - pushedAt,
      toDeployment: (await deployed) - at(/Pushed \S+@sha256:/),
    };
  } finally {
    stop.abort();
  }
}

/** Runs git push; resolves with its output lines, each with the time it arrived. */
async function gitPush(work: string, env: NodeJS.ProcessEnv): Promise<{ at: number; text: string }[]> {
  const child = spawn("git", ["push", "qs", "HEAD:main"], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: { at: number; text: string }[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream.on("data", (d: Buffer) => {
      const parts = (rest + d.toString("utf8")).split(/\r?\n|\r/);
      rest = parts.pop() ?? "";
      const at = Date.now();
      for (const text of parts) lines.push({ at, text });
    });
  }
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`git push failed (${String(code)}):\n${lines.map((l) => l.text).join("\n")}`);
  return lines;
}

/** When the first watch event matching `match` arrived (ms since epoch). */
async function firstEvent(
  apis: KubeApis,
  path: string,
  labelSelector: string,
  resourceVersion: string | undefined,
  match: (e: { type: string; object: unknown }) => boolean,
  signal: AbortSignal,
): Promise<number> {
  let seen: number | undefined;
  let rv = resourceVersion;
  const stopWatch = new AbortController();
  while (seen === undefined && !signal.aborted) {
    await watchOnce<{ metadata?: { resourceVersion?: string } }>(
      apis.rest,
      path,
      { labelSelector, ...(rv === undefined ? {} : { resourceVersion: rv }) },
      (e) => {
        rv = e.object.metadata?.resourceVersion ?? rv;
        if (seen === undefined && e.type !== "BOOKMARK" && match(e)) {
          seen = Date.now();
          stopWatch.abort();
        }
      },
      AbortSignal.any([signal, stopWatch.signal]),
    );
  }
  if (seen === undefined) throw new Error(`no matching event on ${path}`);
  return seen;
}
/** Polls GET / through the app's Service until the body contains `body`; when it did. */
async function untilHttp(apis: KubeApis, body: string, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const ip = (await apis.services.list(appNamespace(app))).items[0]?.spec?.clusterIP;
      if (ip !== undefined) {
        const res = await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(3_000) });
        if (res.status === 200 && (await res.text()).includes(body)) return Date.now();
      }
    } catch {
      // Not answering yet.
    }
    if (Date.now() > deadline) throw new Error(`the app did not answer "${body}" within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
