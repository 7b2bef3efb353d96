import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeApi } from "./api.ts";
import { settleCrdStorage, watchCrds } from "./crds.ts";
import { applyFaults, type Faults } from "./faults.ts";
import { GarbageCollector } from "./gc.ts";
import { buildKubeconfig } from "./kubeconfig.ts";
import { buildNode, type NodeCapacity } from "./nodes.ts";
import { createBindingGuard, createRbacAuthorizer } from "./rbac.ts";
import { Registry } from "./resources.ts";
import { createRouter, type User } from "./router.ts";
import { Store } from "./store.ts";
import { loopbackCertificate } from "./tls.ts";
import { createValidator } from "./validation/index.ts";
import { followStateFile, readStateFile } from "./persist.ts";
import { Kubelet, defaultTimings, type Timings } from "./kubelet.ts";
import { createLogHandler } from "./logs.ts";
import { createExecUpgrade } from "./exec.ts";
import { createMetricsHandler } from "./metrics.ts";
import { statsSummary } from "./stats.ts";
import { createEventRecorder } from "./events.ts";
import type { ContainerScript, ImageScript } from "./behaviour.ts";
import { DeploymentController } from "./controllers/deployment.ts";
import { JobController } from "./controllers/job.ts";
import { ReplicaSetController } from "./controllers/replicaset.ts";
import { PvcController } from "./controllers/pvc.ts";
import { NamespaceController } from "./controllers/namespace.ts";
import { IngressController } from "./controllers/ingress.ts";
import { WorkloadSetController } from "./controllers/statefulset.ts";
import type { KubeObject, ResourceType } from "./types.ts";

export type { Faults } from "./faults.ts";
export type { KubeObject, ResourceType } from "./types.ts";
export type { User } from "./router.ts";
export type { Timings } from "./kubelet.ts";
export type { ContainerScript, ImageScript, LogLine } from "./behaviour.ts";
export { SCRIPT_ANNOTATION } from "./behaviour.ts";
export { USED_BYTES_ANNOTATION } from "./stats.ts";
export { ApiError } from "./status.ts";
export { KubeApi } from "./api.ts";

/** Options of startKubeDouble; every field has a default. */
export interface KubeDoubleOptions {
  /** Simulated nodes (node-1 … node-N). @defaultValue 1 */
  nodes?: number;
  /** Capacity of each node. @defaultValue { cpu: "4", memory: "8Gi", pods: "110" } */
  nodeCapacity?: Partial<NodeCapacity>;
  /**
   * Serve HTTPS (self-signed, CA in the kubeconfig). kubectl sends tokens only over TLS, so
   * with tls=false every request is treated as the admin. @defaultValue true
   */
  tls?: boolean;
  /** Port on 127.0.0.1. @defaultValue 0 (a free port) */
  port?: number;
  /** Failures injected from the start (change later with double.setFaults). @defaultValue none */
  faults?: Faults;
  /** Enforce RBAC for non-admin tokens (ServiceAccount tokens from double.tokenFor). @defaultValue false */
  rbac?: boolean;
  /**
   * fieldValidation for requests that do not send one. The real server's default is "Warn"
   * (unknown fields dropped with a warning); the double defaults to "Strict" so a misspelt
   * field in a QuickStack manifest fails tests instead of vanishing. @defaultValue "Strict"
   */
  defaultFieldValidation?: "Strict" | "Warn" | "Ignore";
  /** Watch behaviour. minTimeoutSeconds default 60 (closed after 60–120 s), bookmarks every 5 s. */
  watch?: { minTimeoutSeconds?: number; bookmarkIntervalMs?: number };
  /** Simulation time scales (see Timings for defaults). */
  timings?: Partial<Timings>;
  /** Container behaviour per image (first match wins; add more with double.script). */
  images?: ImageScript[];
  /** Record core/v1 Events from the kubelet and controllers. @defaultValue true */
  events?: boolean;
  /** Run the simulated kubelet and controllers. @defaultValue true */
  controllers?: boolean;
  /** Watch events kept for resumption (older resourceVersions → 410). @defaultValue 20000 */
  historySize?: number;
  /** Where to write the kubeconfig. @defaultValue a new temp dir */
  kubeconfigPath?: string;
  /**
   * Run pods/exec commands as local child processes on this machine, as its user (for test
   * harnesses that check exec plumbing). Off, exec runs nothing and says so, so a control
   * plane on the double (dev mode, the CLI) never hands its users a shell on the host.
   * @defaultValue false
   */
  hostExec?: boolean;
  /**
   * Keep the objects in this JSON file (dev mode: `.qs/kube-double.json`): loaded at start,
   * written atomically after changes (debounced) and on close. Nodes, pods and events are
   * not kept; controllers recreate pods from their owners. @defaultValue none (memory only)
   */
  stateFile?: string;
}

/** A running double. */
/** One request refused by RBAC. */
export interface Denial {
  readonly user: string;
  readonly verb: string;
  /** `resource`, `group/resource` or with `/subresource`. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface KubeDouble {
  /** https://127.0.0.1:PORT (http:// with tls=false) */
  readonly url: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  readonly kubeconfigYaml: string;
  /** Objects read back from `stateFile` at start (0 without one, or when it did not exist). */
  readonly restoredObjects: number;
  /** PEM of the server certificate (trust it as the CA), undefined with tls=false. */
  readonly caPem: string | undefined;
  /** Bearer token of the admin user (system:masters) written to the kubeconfig. */
  readonly token: string;
  /** Object semantics (create/get/list/update/delete/mutate) for direct store access in tests. */
  readonly api: KubeApi;
  /** The resource type for an apiVersion + kind (built-in or from a CRD). */
  type(apiVersion: string, kind: string): ResourceType;
  /** Copies of stored objects of a kind (optionally in one namespace). */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** A copy of one stored object, or undefined. */
  find(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** The faults in force (a live object: assign fields or call setFaults). */
  readonly faults: Faults;
  /** Scripts what containers of `image` do (exact, untagged name, or RegExp); newest first. */
  script(image: string | RegExp, script: ContainerScript): void;
  /** The simulation's time scales (live: change fields at run time). */
  readonly timings: Timings;
  /** Replaces the injected faults ({} clears them). */
  setFaults(f: Faults): void;
  /** Requests refused by RBAC so far (only with `rbac: true`), oldest first. */
  readonly denials: readonly Denial[];
  /** A bearer token for a ServiceAccount user (system:serviceaccount:<ns>:<name>). */
  tokenFor(namespace: string, serviceAccount: string): string;
  /** A kubeconfig YAML that authenticates with `token`. */
  kubeconfigFor(token: string, namespace?: string): string;
  /** Stops everything (idempotent). */
  close(): Promise<void>;
}

/** Starts the Kubernetes API double on 127.0.0.1. */
export async function startKubeDouble(options: KubeDoubleOptions = {}): Promise<KubeDouble> {
  const snapshot = options.stateFile === undefined ? undefined : readStateFile(options.stateFile);
  const store = new Store({ historySize: options.historySize });
  const registry = new Registry();
  const api = new KubeApi(store, registry);
  api.validators.push(await createValidator(api));
  const gc = new GarbageCollector(api);
  const timings: Timings = { ...defaultTimings, ...options.timings };
  const images: ImageScript[] = [...(options.images ?? [])];
  const tls = options.tls === false ? undefined : await loopbackCertificate();
  const record = createEventRecorder(api, options.events ?? true);
  const sim = options.controllers === false ? undefined : {
    kubelet: new Kubelet(api, timings, images, record),
    rs: new ReplicaSetController(api, record, () => timings.secondsScale),
    deployments: new DeploymentController(api, timings, record),
    jobs: new JobController(api, timings, record),
    pvcs: new PvcController(api, record),
    namespaces: new NamespaceController(api, tls?.cert),
    ingresses: new IngressController(api),
    sets: new WorkloadSetController(api, record),
  };
  const stopCrds = watchCrds(api);
  const token = `admin-${randomBytes(16).toString("hex")}`;
  const users = new Map<string, User>([[token, { name: "kube-double-admin", groups: ["system:masters", "system:authenticated"] }]]);
  const faults: Faults = { ...(options.faults ?? {}) };
  const streams = new Set<() => void>();
  const denials: Denial[] = [];
  const rbac = options.rbac ? createRbacAuthorizer(api) : undefined;
  // Every refusal is also recorded, so a test can prove a flow needed no forbidden call
  // even where the caller swallowed the 403.
  const authorize: ReturnType<typeof createRbacAuthorizer> = (user, verb, t, ns, name, sub) => {
    if (rbac === undefined) return;
    try {
      rbac(user, verb, t, ns, name, sub);
    } catch (err) {
      const resource = `${t.group === "" ? "" : `${t.group}/`}${t.resource}${sub === undefined ? "" : `/${sub}`}`;
      denials.push({ user: user.name, verb, resource, ...(ns === undefined ? {} : { namespace: ns }), ...(name === undefined ? {} : { name }) });
      throw err;
    }
  };
  const bindingGuard = options.rbac ? createBindingGuard(api) : undefined;
  const authorizeBinding = (user: User, binding: KubeObject, ns: string | undefined): void => {
    if (bindingGuard === undefined) return;
    try {
      bindingGuard(user, binding as unknown as Parameters<typeof bindingGuard>[1], ns);
    } catch (err) {
      const resource = `rbac.authorization.k8s.io/${ns === undefined ? "clusterrolebindings" : "rolebindings"}`;
      denials.push({ user: user.name, verb: "bind", resource, ...(ns === undefined ? {} : { namespace: ns }), ...(binding.metadata?.name === undefined ? {} : { name: binding.metadata.name }) });
      throw err;
    }
  };
  const authenticate = (t: string | undefined): User | undefined => (t === undefined ? (tls ? undefined : users.get(token)) : users.get(t));
  const track = (end: () => void): (() => void) => {
    streams.add(end);
    return () => streams.delete(end);
  };
  const listener = createRouter({
    api,
    authenticate,
    authorize,
    authorizeBinding,
    beforeRequest: (req) => applyFaults(faults, req),
    watchSettings: () => ({
      minTimeoutSeconds: options.watch?.minTimeoutSeconds ?? 60,
      bookmarkIntervalMs: options.watch?.bookmarkIntervalMs ?? 5000,
      dropAfterMs: faults.dropWatchesAfterMs,
    }),
    defaultFieldValidation: options.defaultFieldValidation ?? "Strict",
    handlers: sim ? { log: createLogHandler(api, sim.kubelet), metrics: createMetricsHandler(api, sim.kubelet), statsSummary: (node) => statsSummary(api, sim.kubelet, node) } : {},
    track,
  });
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 5000;
  server.on("upgrade", createExecUpgrade({ api, kubelet: sim?.kubelet, authenticate, authorize, track, hostExec: options.hostExec === true }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;

  // Restored after every subscriber is in place, so each object is announced to them all.
  if (snapshot !== undefined) {
    store.load(snapshot.objects, snapshot.resourceVersion);
    settleCrdStorage(api);
  }
  const restoredObjects = snapshot?.objects.length ?? 0;
  const state = options.stateFile === undefined ? undefined : followStateFile(store, options.stateFile);
  for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
    if (api.find(registry.builtin("Namespace"), undefined, ns)) continue;
    api.create(registry.builtin("Namespace"), { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } as KubeObject, undefined);
  }
  if (!api.find(registry.builtin("Service"), "default", "kubernetes")) api.create(registry.builtin("Service"), {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { clusterIP: "10.43.0.1", clusterIPs: ["10.43.0.1"], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
  } as unknown as KubeObject, "default");
  const capacity: NodeCapacity = { cpu: "4", memory: "8Gi", pods: "110", ...options.nodeCapacity };
  const nodeType = registry.builtin("Node");
  for (let i = 0; i < (options.nodes ?? 1); i += 1) {
    const node = buildNode(`node-${i + 1}`, i, capacity);
    const created = api.create(nodeType, node, undefined);
    api.update(nodeType, { ...created, status: node.status }, undefined, { subresource: "status" });
  }

  const kubeconfigYaml = buildKubeconfig(url, token, { caPem: tls?.cert });
  let tempDir: string | undefined;
  let kubeconfigPath = options.kubeconfigPath;
  if (!kubeconfigPath) {
    tempDir = await mkdtemp(join(tmpdir(), "kube-double-"));
    kubeconfigPath = join(tempDir, "kubeconfig");
  }
  await writeFile(kubeconfigPath, kubeconfigYaml, { mode: 0o600 });

  const typeOf = (apiVersion: string, kind: string): ResourceType => {
    const t = registry.forKind(apiVersion, kind);
    if (!t) throw new Error(`kube-double does not serve ${apiVersion} ${kind}`);
    return t;
  };
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    kubeconfigPath,
    kubeconfigYaml,
    restoredObjects,
    caPem: tls?.cert,
    token,
    api,
    faults,
    timings,
    script(image, script) {
      images.unshift({ image, script });
    },
    type: typeOf,
    list: (apiVersion, kind, namespace) => api.list(typeOf(apiVersion, kind), namespace),
    find: (apiVersion, kind, namespace, name) => api.find(typeOf(apiVersion, kind), namespace, name),
    setFaults(f) {
      for (const k of Object.keys(faults)) delete faults[k as keyof Faults];
      Object.assign(faults, f);
    },
    denials,
    tokenFor(namespace, serviceAccount) {
      const t = `sa-${randomBytes(16).toString("hex")}`;
      users.set(t, {
        name: `system:serviceaccount:${namespace}:${serviceAccount}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
      });
      return t;
    },
    kubeconfigFor: (t, namespace) => buildKubeconfig(url, t, { namespace, user: "token-user", caPem: tls?.cert }),
    close() {
      closing ??= (async () => {
        const results = await Promise.allSettled([
          (async () => {
            for (const end of [...streams]) end();
            gc.close();
            if (sim) for (const c of Object.values(sim)) c.close();
            stopCrds();
            state?.close();
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
          })(),
          tempDir ? rm(tempDir, { recursive: true, force: true }) : Promise.resolve(),
        ]);
        const failed = results.find((r) => r.status === "rejected");
        if (failed) throw failed.reason;
      })();
      return closing;
    },
  };
}
