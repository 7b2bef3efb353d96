import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { connect } from "node:net";
import { join } from "node:path";
import {
  buildCniConflist,
  buildContainerdConfig,
  buildKubeconfig,
  buildKubeletConfig,
  buildKubeProxyConfig,
  buildRegistryHosts,
  buildResolvConf,
} from "./configs.ts";
import {
  daemonNames,
  daemonPid,
  logTail,
  sleep,
  startDaemon,
  stopDaemon,
  waitFor,
} from "./daemons.ts";
import { hasImage, nodeImages, pushImage } from "./images.ts";
import {
  clusterPaths,
  cniBinDir,
  kubernetesVersion,
  net,
  nodeName,
  ports,
  repoRoot,
  toolDirs,
  type ClusterPaths,
} from "./layout.ts";
import {
  applySysctls,
  ensureBridge,
  ensureGuard,
  removeBridge,
  removeGuard,
  removePodNetns,
  restoreSysctls,
} from "./network.ts";
import { ensurePki } from "./pki.ts";
import { installMetricsServer } from "../metrics/install.ts";

// A real single-node Kubernetes on this machine, laid out as k3s runs one server: kine on
// SQLite, kube-apiserver, controller-manager, scheduler, kubelet with containerd and
// runc, kube-proxy (iptables) and CoreDNS, all built from their Go modules.

/** Start order; `down` stops in reverse. */
const order = [
  "registry",
  "kine",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "containerd",
  "kubelet",
  "kube-proxy",
] as const;

interface State {
  sysctls: Record<string, string>;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function bins(dirs: Record<string, string>) {
  const need = (name: string): string => {
    const dir = dirs[name];
    if (!dir) throw new Error(`test/cluster/build.sh printed no folder for ${name}`);
    return dir;
  };
  const k8s = need("kubernetes");
  return {
    apiserver: join(k8s, "kube-apiserver"),
    controllerManager: join(k8s, "kube-controller-manager"),
    scheduler: join(k8s, "kube-scheduler"),
    kubelet: join(k8s, "kubelet"),
    kubeProxy: join(k8s, "kube-proxy"),
    kubectl: join(k8s, "kubectl"),
    kine: join(need("kine"), "kine"),
    runc: join(need("runc"), "runc"),
    containerdBin: need("containerd"),
    containerd: join(need("containerd"), "containerd"),
    ctr: join(need("containerd"), "ctr"),
    coredns: join(need("coredns"), "coredns"),
    crane: join(need("crane"), "crane"),
    pause: join(need("pause"), "pause"),
    localPath: join(need("local-path-provisioner"), "local-path-provisioner"),
  };
}
type Bins = ReturnType<typeof bins>;

function checkPrerequisites(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0)
    missing.push("root (the kubelet, containerd and the pod network need it)");
  for (const cmd of ["openssl", "iptables", "ip", "docker-registry", "tar", "conntrack"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    } catch {
      missing.push(cmd);
    }
  }
  for (const plugin of ["bridge", "host-local", "portmap", "loopback"]) {
    if (!existsSync(join(cniBinDir, plugin)))
      missing.push(`${cniBinDir}/${plugin} (Debian package containernetworking-plugins)`);
  }
  if (!existsSync("/bin/busybox")) missing.push("/bin/busybox (Debian package busybox-static)");
  if (missing.length > 0) {
    throw new Error(
      `the local cluster cannot start; missing: ${missing.join(", ")}.\nRun: bash test/cluster/setup.sh`,
    );
  }
}

/**
 * Writes `text` only when the file differs: kube-proxy exits when its configuration file
 * changes under it, so a second `up` must leave unchanged files alone.
 */
async function writeIfChanged(
  file: string,
  text: string,
  options: { mode?: number } = {},
): Promise<void> {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return;
  await writeFile(file, text, options);
}

async function writeConfigs(p: ClusterPaths, b: Bins): Promise<void> {
  for (const d of [
    p.etc,
    p.cniConf,
    p.certsD,
    p.kine,
    p.registry,
    p.containerdRoot,
    p.kubeletRoot,
    p.run,
  ])
    await mkdir(d, { recursive: true });
  const pem = (f: string): string => readFileSync(join(p.pki, f), "utf8");
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const kubeconfig = (file: string, id: string, user: string): Promise<void> =>
    writeIfChanged(
      file,
      buildKubeconfig({
        server,
        caPem: pem("ca.crt"),
        certPem: pem(`${id}.crt`),
        keyPem: pem(`${id}.key`),
        user,
      }),
      { mode: 0o600 },
    );
  await kubeconfig(p.adminKubeconfig, "admin", "qs-admin");
  await kubeconfig(
    join(p.etc, "controller-manager.kubeconfig"),
    "controller-manager",
    "system:kube-controller-manager",
  );
  await kubeconfig(join(p.etc, "scheduler.kubeconfig"), "scheduler", "system:kube-scheduler");
  await kubeconfig(join(p.etc, "kubelet.kubeconfig"), "kubelet", `system:node:${nodeName}`);
  await kubeconfig(join(p.etc, "kube-proxy.kubeconfig"), "kube-proxy", "system:kube-proxy");
  await writeIfChanged(join(p.etc, "containerd.toml"), buildContainerdConfig(p, { runc: b.runc }));
  for (const hosts of buildRegistryHosts()) {
    await mkdir(join(p.certsD, hosts.dir), { recursive: true });
    await writeIfChanged(join(p.certsD, hosts.dir, "hosts.toml"), hosts.text);
  }
  await writeIfChanged(join(p.cniConf, "10-qs.conflist"), buildCniConflist());
  await writeIfChanged(join(p.etc, "kubelet.json"), buildKubeletConfig(p));
  await writeIfChanged(join(p.etc, "kube-proxy.json"), buildKubeProxyConfig(p));
  await writeIfChanged(join(p.etc, "resolv.conf"), buildResolvConf());
  await writeIfChanged(
    join(p.etc, "registry.yml"),
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${p.registry}`,
      "  delete:",
      "    enabled: true",
      "http:",
      // Loopback for the node's pulls, the node address for pods' pushes; the guard drops the rest.
      `  addr: 0.0.0.0:${ports.registry}`,
      "",
    ].join("\n"),
  );
}

/** GET `path` on the API server with the admin certificate; resolves with status and body. */
export function apiGet(p: ClusterPaths, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: ports.apiserver,
        path,
        ca: readFileSync(join(p.pki, "ca.crt")),
        cert: readFileSync(join(p.pki, "admin.crt")),
        key: readFileSync(join(p.pki, "admin.key")),
        timeout: 5_000,
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Whether something accepts TCP connections on the loopback `port`. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, timeout: 2_000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

function daemonSpecs(
  p: ClusterPaths,
  b: Bins,
): Record<(typeof order)[number], { command: string; args: string[]; env?: NodeJS.ProcessEnv }> {
  const pki = (f: string): string => join(p.pki, f);
  const etc = (f: string): string => join(p.etc, f);
  return {
    registry: { command: "docker-registry", args: ["serve", etc("registry.yml")] },
    kine: {
      command: b.kine,
      args: [
        `--listen-address=127.0.0.1:${ports.kine}`,
        "--metrics-bind-address=0",
        `--endpoint=sqlite://${join(p.kine, "state.db")}?_journal=WAL&cache=shared&_busy_timeout=30000`,
      ],
    },
    "kube-apiserver": {
      command: b.apiserver,
      args: [
        `--advertise-address=${net.nodeIp}`,
        "--bind-address=0.0.0.0",
        `--secure-port=${ports.apiserver}`,
        "--allow-privileged=true",
        "--anonymous-auth=false",
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        `--client-ca-file=${pki("ca.crt")}`,
        `--etcd-servers=http://127.0.0.1:${ports.kine}`,
        `--tls-cert-file=${pki("apiserver.crt")}`,
        `--tls-private-key-file=${pki("apiserver.key")}`,
        `--kubelet-client-certificate=${pki("apiserver-kubelet-client.crt")}`,
        `--kubelet-client-key=${pki("apiserver-kubelet-client.key")}`,
        `--kubelet-certificate-authority=${pki("ca.crt")}`,
        "--kubelet-preferred-address-types=InternalIP",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki("sa.pub")}`,
        `--service-account-signing-key-file=${pki("sa.key")}`,
        `--service-cluster-ip-range=${net.serviceCidr}`,
        `--requestheader-client-ca-file=${pki("front-proxy-ca.crt")}`,
        "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-username-headers=X-Remote-User",
        `--proxy-client-cert-file=${pki("front-proxy-client.crt")}`,
        `--proxy-client-key-file=${pki("front-proxy-client.key")}`,
        "--enable-aggregator-routing=true",
        "--profiling=false",
        "--storage-backend=etcd3",
        "--event-ttl=1h",
      ],
    },
    "kube-controller-manager": {
      command: b.controllerManager,
      args: [
        `--kubeconfig=${etc("controller-manager.kubeconfig")}`,
        `--authentication-kubeconfig=${etc("controller-manager.kubeconfig")}`,
        `--authorization-kubeconfig=${etc("controller-manager.kubeconfig")}`,
        "--bind-address=127.0.0.1",
        "--leader-elect=false",
        "--allocate-node-cidrs=true",
        `--cluster-cidr=${net.podCidr}`,
        "--node-cidr-mask-size=24",
        `--service-cluster-ip-range=${net.serviceCidr}`,
        `--cluster-signing-cert-file=${pki("ca.crt")}`,
        `--cluster-signing-key-file=${pki("ca.key")}`,
        `--root-ca-file=${pki("ca.crt")}`,
        `--service-account-private-key-file=${pki("sa.key")}`,
        "--use-service-account-credentials=true",
        "--controllers=*,bootstrapsigner,tokencleaner",
        "--profiling=false",
      ],
    },
    "kube-scheduler": {
      command: b.scheduler,
      args: [
        `--kubeconfig=${etc("scheduler.kubeconfig")}`,
        `--authentication-kubeconfig=${etc("scheduler.kubeconfig")}`,
        `--authorization-kubeconfig=${etc("scheduler.kubeconfig")}`,
        "--bind-address=127.0.0.1",
        "--leader-elect=false",
        "--profiling=false",
      ],
    },
    containerd: {
      command: b.containerd,
      args: ["--config", etc("containerd.toml")],
      // containerd finds its shim (containerd-shim-runc-v2) on PATH.
      env: { ...process.env, PATH: `${b.containerdBin}:${process.env.PATH ?? "/usr/bin:/bin"}` },
    },
    kubelet: {
      command: b.kubelet,
      args: [
        `--config=${etc("kubelet.json")}`,
        `--kubeconfig=${etc("kubelet.kubeconfig")}`,
        `--root-dir=${p.kubeletRoot}`,
        `--hostname-override=${nodeName}`,
        `--node-ip=${net.nodeIp}`,
        "--v=1",
      ],
    },
    "kube-proxy": { command: b.kubeProxy, args: [`--config=${etc("kube-proxy.json")}`] },
  };
}

function kubectl(p: ClusterPaths, b: Bins, args: string[], input?: string): string {
  return execFileSync(b.kubectl, ["--kubeconfig", p.adminKubeconfig, ...args], {
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Applies test/cluster/manifests/<file> (placeholders filled in) and waits for its kube-system Deployment. */
async function addon(
  p: ClusterPaths,
  b: Bins,
  file: string,
  deployment: string,
  fill: Record<string, string> = {},
): Promise<void> {
  let text = await readFile(join(repoRoot, "test/cluster/manifests", file), "utf8");
  for (const [key, value] of Object.entries(fill)) text = text.replaceAll(key, value);
  kubectl(p, b, ["apply", "-f", "-"], text);
  await waitFor(
    deployment,
    () =>
      kubectl(p, b, [
        "-n",
        "kube-system",
        "get",
        "deploy",
        deployment,
        "-o",
        "jsonpath={.status.availableReplicas}",
      ]).trim() === "1",
    120_000,
    () =>
      kubectl(p, b, ["-n", "kube-system", "get", "pods", "-o", "wide"]) +
      logTail(p.logs, "kubelet", 15),
  );
}

/** Brings the cluster up (building what is missing) and waits until the node is Ready and DNS serves. */
export async function up(p = clusterPaths()): Promise<void> {
  const t0 = Date.now();
  checkPrerequisites();
  const b = bins(toolDirs(false));
  const tBuilt = Date.now();
  say(`-----> Starting the local cluster (Kubernetes ${kubernetesVersion}) in ${p.dir}`);
  await mkdir(p.dir, { recursive: true });
  if (daemonPid(p.pids, "containerd") === undefined && existsSync(p.run)) {
    // Left by a cluster whose processes were killed without `down` (a stopped session):
    // containerd must not find another root's tasks in its state folder.
    killShims(p);
    unmountUnder([p.run]);
    await rm(p.run, { recursive: true, force: true });
  }
  await ensurePki(p.pki);
  await writeConfigs(p, b);

  const sysctlsBefore = existsSync(p.state)
    ? (JSON.parse(await readFile(p.state, "utf8")) as State).sysctls
    : applySysctls();
  await writeFile(p.state, JSON.stringify({ sysctls: sysctlsBefore } satisfies State));
  applySysctls();
  ensureBridge();
  ensureGuard();

  const specs = daemonSpecs(p, b);
  const start = async (name: (typeof order)[number]): Promise<void> => {
    if (daemonPid(p.pids, name) !== undefined) return;
    await startDaemon(p, { name, ...specs[name] });
  };
  const alive = (name: string) => (): boolean => {
    if (daemonPid(p.pids, name) === undefined) throw new Error(`${name} exited`);
    return true;
  };

  await start("registry");
  await waitFor(
    "registry",
    async () => alive("registry")() && (await portOpen(ports.registry)),
    20_000,
    () => logTail(p.logs, "registry"),
  );
  for (const image of nodeImages({
    pause: b.pause,
    coredns: b.coredns,
    busybox: "/bin/busybox",
    localPath: b.localPath,
  })) {
    if (!(await hasImage(image.ref))) {
      pushImage(b.crane, image);
      say(`       image ${image.ref} made and pushed`);
    }
  }

  await start("kine");
  await waitFor(
    "kine",
    async () => alive("kine")() && (await portOpen(ports.kine)),
    30_000,
    () => logTail(p.logs, "kine"),
  );
  await start("kube-apiserver");
  await waitFor(
    "kube-apiserver",
    async () => alive("kube-apiserver")() && (await apiGet(p, "/readyz")).status === 200,
    90_000,
    () => logTail(p.logs, "kube-apiserver"),
  );
  say(`       API server ready at https://127.0.0.1:${ports.apiserver}`);
  await start("kube-controller-manager");
  await start("kube-scheduler");
  await start("containerd");
  await waitFor(
    "containerd",
    () => alive("containerd")() && existsSync(p.containerdSocket),
    30_000,
    () => logTail(p.logs, "containerd"),
  );
  // The kubelet exits when containerd's CRI is not serving yet ("server is not initialized
  // yet"), which the socket alone does not show: like a service manager, start it again (a
  // few times). The node's Ready condition counts only once this kubelet has reported it: a
  // restarted cluster still shows the Ready of the previous run until the node times out.
  const kubeletStarted = Date.now();
  let kubeletStarts = 0;
  await start("kubelet");
  await start("kube-proxy");
  await waitFor(
    `node ${nodeName}`,
    async () => {
      if (daemonPid(p.pids, "kubelet") === undefined) {
        if (++kubeletStarts > 5) alive("kubelet")();
        await start("kubelet");
        return false;
      }
      const res = await apiGet(p, `/api/v1/nodes/${nodeName}`);
      if (res.status !== 200) return false;
      const node = JSON.parse(res.body) as {
        status?: { conditions?: { type: string; status: string; lastHeartbeatTime?: string }[] };
      };
      return (
        node.status?.conditions?.some(
          (c) =>
            c.type === "Ready" &&
            c.status === "True" &&
            Date.parse(c.lastHeartbeatTime ?? "") >= kubeletStarted - 2_000,
        ) ?? false
      );
    },
    120_000,
    () => logTail(p.logs, "kubelet"),
  );
  say(`       node ${nodeName} Ready`);
  await addon(p, b, "coredns.yaml", "coredns");
  say(`       cluster DNS ready at ${net.dnsServiceIp}`);
  await mkdir(join(p.dir, "storage"), { recursive: true });
  await addon(p, b, "local-path.yaml", "local-path-provisioner", {
    STORAGE_DIR: join(p.dir, "storage"),
  });
  say("       default StorageClass local-path ready");
  kubectl(
    p,
    b,
    ["apply", "-f", "-"],
    (
      await readFile(join(repoRoot, "test/cluster/manifests/registry-service.yaml"), "utf8")
    ).replaceAll("NODE_IP", net.nodeIp),
  );
  say(
    `       registry at 127.0.0.1:${ports.registry} for the node, registry.qs-system.svc:5000 for pods`,
  );
  await installMetricsServer(p.adminKubeconfig, { say });
  const build = tBuilt - t0 > 5_000 ? ` (building took ${Math.round((tBuilt - t0) / 1000)} s)` : "";
  say(
    `-----> Cluster up in ${Math.round((Date.now() - tBuilt) / 1000)} s${build}. KUBECONFIG=${p.adminKubeconfig}`,
  );
}

/** Stops every daemon, the containers and their mounts, and undoes the host network changes. Files stay (a warm start reuses them). */
export async function down(p = clusterPaths()): Promise<void> {
  say("-----> Stopping the local cluster");
  const b = existsSync(join(repoRoot, "test/cluster/build.sh")) ? bins(toolDirs(true)) : undefined;
  // Remove the pods first while the API and kubelet still run would take long; instead stop
  // the kubelet, then kill every container through containerd, then containerd itself.
  await stopDaemon(p.pids, "kube-proxy");
  await stopDaemon(p.pids, "kubelet");
  if (b && daemonPid(p.pids, "containerd") !== undefined) killContainers(p, b);
  for (const name of [...order].reverse()) await stopDaemon(p.pids, name);
  for (const name of await daemonNames(p.pids)) await stopDaemon(p.pids, name);
  killShims(p);
  unmountUnder([p.kubeletRoot, p.containerdRoot, p.run]);
  removePodNetns();
  if (b && existsSync(b.kubeProxy)) {
    try {
      execFileSync(b.kubeProxy, ["--cleanup"], { stdio: "ignore" });
    } catch {
      // --cleanup exits non-zero when some rules were already gone
    }
  }
  removeGuard();
  removeBridge();
  if (existsSync(p.state)) {
    restoreSysctls((JSON.parse(await readFile(p.state, "utf8")) as State).sysctls);
    await rm(p.state, { force: true });
  }
  await rm(p.run, { recursive: true, force: true });
  say("       stopped");
}

function killContainers(p: ClusterPaths, b: Bins): void {
  const ctr = (args: string[]): string =>
    execFileSync(b.ctr, ["--address", p.containerdSocket, "-n", "k8s.io", ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 15_000,
    });
  try {
    const tasks = ctr(["tasks", "ls", "-q"]).split("\n").filter(Boolean);
    for (const id of tasks) {
      try {
        ctr(["tasks", "kill", "-s", "SIGKILL", id]);
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // containerd not answering: the shims are killed below
  }
}

/** containerd's shims outlive containerd by design; kill those of this cluster (and their containers). */
function killShims(p: ClusterPaths): void {
  let out: string;
  try {
    out = execFileSync("pgrep", ["-f", `containerd-shim-runc-v2.*${p.containerdSocket}`], {
      encoding: "utf8",
    });
  } catch {
    return;
  }
  for (const pid of out.split("\n").filter(Boolean).map(Number)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}

function unmountUnder(dirs: string[]): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .map((m) => m.replace(/\\040/g, " "))
    .filter((m) => dirs.some((d) => m === d || m.startsWith(`${d}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync("umount", ["-l", m], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
}

/** One line per daemon: running or not, and the node's state. */
export async function status(p = clusterPaths()): Promise<boolean> {
  let ok = true;
  for (const name of order) {
    const pid = daemonPid(p.pids, name);
    if (pid === undefined) ok = false;
    say(`${name.padEnd(24)} ${pid === undefined ? "stopped" : `running (pid ${pid})`}`);
    // A daemon that died mid-run says why in the last lines of its log.
    if (pid === undefined) say(logTail(p.logs, name, 5));
  }
  if (ok) {
    const res = await apiGet(p, "/version").catch(() => undefined);
    say(
      `API server              ${res?.status === 200 ? (JSON.parse(res.body) as { gitVersion: string }).gitVersion : "not answering"}`,
    );
    say(`KUBECONFIG=${p.adminKubeconfig}`);
  }
  return ok;
}

/** Removes everything the cluster keeps on disk (after `down`). */
export async function purge(p = clusterPaths()): Promise<void> {
  await down(p);
  unmountUnder([p.dir]);
  await rm(p.dir, { recursive: true, force: true });
  say(`       removed ${p.dir}`);
}

async function main(): Promise<void> {
  const command = process.argv[2] ?? "status";
  switch (command) {
    case "up":
      await up();
      return;
    case "down":
      await down();
      return;
    case "purge":
      await purge();
      return;
    case "status":
      process.exitCode = (await status()) ? 0 : 3;
      return;
    case "build":
      toolDirs(false);
      return;
    default:
      process.stderr.write(`usage: npm run cluster -- up|down|status|build|purge\n`);
      process.exitCode = 2;
  }
  await sleep(0);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(` !     ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
