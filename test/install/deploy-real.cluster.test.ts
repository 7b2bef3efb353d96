import { execFile } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { createKubeApis, loadKubeConnection } from "@qs/kube";
import { controlPlaneEnv, ensureBuilderImages } from "../cluster/builders/images.ts";
import { ensurePlatformImages, type PlatformImages } from "../cluster/builders/platform-images.ts";
import { toolDirs } from "../cluster/src/layout.ts";
import { eventually as poll } from "../e2e/deploy/harness.ts";
import { createBuildsNamespace } from "../support/quickstack-cluster.ts";
import { tempDir } from "../support/tmp.ts";
import { repoRoot, runCommand } from "./support.ts";

// What install.sh does after k3s is up, for real on the local cluster: `kubectl apply -k`
// of deploy/ with the site overlay the installer writes (scripts/install/quickstack.sh
// overlay_manifest), on empty volumes (local-path, as k3s), with the images made here
// (test/cluster/builders/platform-images.ts: the control plane by `npm run image`, Redis
// and the registry from Debian's packages). It must reach Ready for Redis, the registry
// and the control plane; after a restart of each, a second apply changes nothing and
// nothing is lost (a pushed image, a Redis key, the SSH host key on the control plane's
// volume).
//
// The cluster is shared with suites running beside this one, so the overlay is wrapped in
// two layers of the test's own:
//   - every namespaced object goes to a namespace of this suite (qs-cp-<random>), not
//     qs-system; the qs-builds Namespace is left out;
//   - the registry's node relay (DaemonSet) is left out: its hostPort 127.0.0.1:5000 is the
//     loopback registry every node pull on this machine goes to;
//   - the ClusterRoleBinding is left out (its subject would move to this namespace). In
//     its place, this suite's own: a ClusterRoleBinding of deploy/'s ClusterRole to this
//     namespace's ServiceAccount, and an admission policy that narrows its writes, as
//     deploy/policy narrows qs-system's, to this namespace, qs-builds and the namespaces
//     of this suite's apps. deploy/'s qs-builds Role and RoleBinding (build logs) are left
//     out too (they would move to this namespace); this suite binds a copy of the Role in
//     qs-builds under its own name. The control plane starts as it would (its reconciler watches
//     Apps everywhere) but cannot change the other suites' apps, which it would otherwise
//     render with this site's domain. Those objects are deleted after the suite; the
//     shared cluster-scoped ones (CRDs, deploy/'s ClusterRole and admission policy) are
//     applied as they are and never deleted.
// Then a `git push` through the control plane's SSH Service builds a Dockerfile app in a
// real Kaniko pod (builder images from builders/images.ts) and the app answers HTTP.

const run = promisify(execFile);
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const kubectlBin = join(toolDirs(true).kubernetes ?? "", "kubectl");
const ns = `qs-cp-${randomUUID().slice(0, 8)}`;
/** This suite's cluster-scoped objects: a ClusterRoleBinding and an admission policy. */
const ownName = `${ns}-control-plane`;
/** The names of this suite's apps start with it. */
const appPrefix = `cp${ns.slice(-6)}`;
const app = `${appPrefix}web`;
const DOMAIN = "203.0.113.10.sslip.io";
const redisPassword = randomBytes(16).toString("hex");
const registryPassword = randomBytes(16).toString("hex");

/** kubectl against the local cluster; rejects with its stderr. */
async function kubectl(args: string[], input?: string): Promise<string> {
  const child = run(kubectlBin, ["--kubeconfig", kubeconfig, ...args], {
    timeout: 400_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    return (await child).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(" ")}: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

/** Polls `probe` every 2 s until it returns a value (not undefined); throws after timeoutMs. */
const eventually = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> =>
  poll(probe, what, timeoutMs, 2_000);

interface Pod {
  metadata: { name: string; uid: string };
  status?: { conditions?: { type: string; status: string }[] };
}

const SELECTORS = {
  redis: "app.kubernetes.io/name=redis",
  registry: "app.kubernetes.io/name=registry",
  controlPlane: "app.kubernetes.io/name=quickstack,app.kubernetes.io/component=control-plane",
} as const;

async function pods(selector: string): Promise<Pod[]> {
  return (
    JSON.parse(await kubectl(["-n", ns, "get", "pods", "-l", selector, "-o", "json"])) as {
      items: Pod[];
    }
  ).items;
}

/** Waits until one pod matches `selector`, is Ready and is none of `old` (uids). */
async function readyPod(selector: string, old: readonly string[] = []): Promise<Pod> {
  return eventually(
    async () => {
      const list = await pods(selector);
      const pod = list[0];
      const ready = pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return list.length === 1 &&
        pod !== undefined &&
        ready === true &&
        !old.includes(pod.metadata.uid)
        ? pod
        : undefined;
    },
    `a new Ready pod for ${selector}`,
    420_000,
  );
}

async function serviceIp(name: string): Promise<string> {
  return (
    await kubectl(["-n", ns, "get", "service", name, "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
}

/** redis-cli in the Redis pod, authenticated as deploy/'s probe is (password not on argv). */
async function redisCli(...args: string[]): Promise<string> {
  return (
    await kubectl([
      "-n",
      ns,
      "exec",
      "redis-0",
      "-c",
      "redis",
      "--",
      "sh",
      "-c",
      'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli "$@"',
      "redis-cli",
      ...args,
    ])
  ).trim();
}

/** The in-cluster registry's API through its Service address, with the installer's login. */
async function registry(path: string, init: RequestInit = {}): Promise<Response> {
  const auth = Buffer.from(`quickstack:${registryPassword}`).toString("base64");
  return fetch(`http://${await serviceIp("registry")}:5000${path}`, {
    ...init,
    headers: {
      Authorization: `Basic ${auth}`,
      ...(init.headers as Record<string, string> | undefined),
    },
    signal: AbortSignal.timeout(15_000),
  });
}

const sha256 = (data: Buffer | string): string =>
  `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** Pushes a one-layer image `repo:tag` by the registry API; returns its manifest digest and layer. */
async function pushImage(repo: string, tag: string): Promise<{ digest: string; layer: string }> {
  const layer = randomBytes(1024);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [sha256(layer)] },
    }),
  );
  for (const blob of [layer, config]) {
    const start = await registry(`/v2/${repo}/blobs/uploads/`, { method: "POST" });
    expect(start.status, await start.text()).toBe(202);
    const location = new URL(start.headers.get("location") ?? "", "http://x");
    location.searchParams.set("digest", sha256(blob));
    const put = await registry(`${location.pathname}${location.search}`, {
      method: "PUT",
      body: blob,
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(put.status, await put.text()).toBe(201);
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: {
      mediaType: "application/vnd.docker.container.image.v1+json",
      size: config.length,
      digest: sha256(config),
    },
    layers: [
      {
        mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        size: layer.length,
        digest: sha256(layer),
      },
    ],
  });
  const put = await registry(`/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    body: manifest,
    headers: { "Content-Type": "application/vnd.docker.distribution.manifest.v2+json" },
  });
  expect(put.status, await put.text()).toBe(201);
  return { digest: sha256(manifest), layer: sha256(layer) };
}

/** RFC 4648 base32 without padding. */
function base32(data: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const byte of data) bits += byte.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i < bits.length; i += 5)
    out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  return out;
}

/** ssh and its options for the first admin's key (also GIT_SSH_COMMAND). */
function sshArgs(): string[] {
  return [
    "ssh",
    "-i",
    join(dir.path, "admin"),
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
  ];
}

/** `ssh git@… COMMAND` to the in-cluster control plane with the first admin's key. */
async function sshCommand(command: string): Promise<string> {
  const ip = await serviceIp("quickstack-ssh");
  const [ssh = "ssh", ...options] = sshArgs();
  return (await run(ssh, [...options, "-p", "2222", `git@${ip}`, command], { timeout: 120_000 }))
    .stdout;
}

/** The control plane's SSH host key as ssh-keyscan sees it through its Service. */
async function sshHostKey(): Promise<string> {
  const ip = await serviceIp("quickstack-ssh");
  return eventually(
    async () => {
      const out = (await run("ssh-keyscan", ["-T", "5", "-p", "2222", "-t", "ed25519", ip])).stdout;
      return /ssh-ed25519 \S+/.exec(out)?.[0];
    },
    "the control plane's SSH host key",
    60_000,
  );
}

let dir: Awaited<ReturnType<typeof tempDir>>;
let images: PlatformImages;

/** Applies the overlay; returns kubectl's `kind/name verb` lines. */
async function apply(): Promise<string[]> {
  return (await kubectl(["apply", "-k", dir.path])).split("\n").filter(Boolean);
}

beforeAll(async () => {
  images = await ensurePlatformImages(() => undefined);
  await ensureBuilderImages(() => undefined);
  const builderEnv = await controlPlaneEnv();
  dir = await tempDir("qs-deploy-real-");
  // The installer creates the namespaces first (deploy/base/namespace.yaml) and the
  // builders' push Secret in qs-builds. This suite's builds run in the shared qs-builds,
  // which a fresh cluster does not have yet; the loopback registry needs no credentials.
  await kubectl(["apply", "-f", join(repoRoot, "deploy/base/namespace.yaml")]);
  const admin = createKubeApis(loadKubeConnection(kubeconfig));
  await createBuildsNamespace(admin, "qs-builds").finally(() => admin.rest.close());
  // /etc/quickstack as the installer lays it out: deploy/ and the site overlay.
  const site = join(dir.path, "site");
  mkdirSync(site);
  cpSync(join(repoRoot, "deploy"), join(site, "deploy"), { recursive: true });
  const overlay = runCommand("bash", [
    "-c",
    [
      `source ${join(repoRoot, "scripts/install/lib.sh")}`,
      `source ${join(repoRoot, "scripts/install/quickstack.sh")}`,
      `DOMAIN=${DOMAIN} QS_IMAGE=${images.controlPlane} overlay_manifest`,
    ].join("\n"),
  ]);
  expect(overlay.status, overlay.stderr).toBe(0);
  writeFileSync(join(site, "kustomization.yaml"), overlay.stdout);
  const [redisName, redisDigest] = images.redis.split("@");
  const [registryName, registryDigest] = images.registry.split("@");
  const drop = (apiVersion: string, kind: string, name: string): string =>
    `  - target: {kind: ${kind}, name: ${name}}\n    patch: |-\n      $patch: delete\n      apiVersion: ${apiVersion}\n      kind: ${kind}\n      metadata:\n        name: ${name}\n`;
  // Layer 1: this suite's namespace and images, without what would touch other suites.
  mkdirSync(join(dir.path, "ns"));
  writeFileSync(
    join(dir.path, "ns/kustomization.yaml"),
    [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      `namespace: ${ns}`,
      "resources:",
      "  - ../site",
      "images:",
      `  - {name: redis, newName: ${redisName}, digest: "${redisDigest}"}`,
      `  - {name: registry, newName: ${registryName}, digest: "${registryDigest}"}`,
      "configMapGenerator:",
      "  - name: quickstack-settings",
      "    namespace: qs-system",
      "    behavior: merge",
      "    literals:",
      `      - QS_BUILD_CONTEXT_URL=http://quickstack-build-context.${ns}.svc:8081`,
      // The builder images made here, pinned as install.sh pins upstream's. Builds push to
      // registry.qs-system.svc:5000 (deploy/'s QS_REGISTRY_HOST), which on this cluster is
      // the machine's registry every node pulls from (test/cluster/README.md).
      ...Object.entries(builderEnv).map(([k, v]) => `      - ${k}=${v}`),
      "patches:",
      drop("v1", "Namespace", "qs-builds") +
        drop("apps/v1", "DaemonSet", "registry-node-proxy") +
        drop("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "quickstack-control-plane") +
        // qs-builds's log-reading Role stays in qs-builds: layer 2 binds it there.
        drop("rbac.authorization.k8s.io/v1", "Role", "quickstack-builds") +
        drop("rbac.authorization.k8s.io/v1", "RoleBinding", "quickstack-builds"),
    ].join("\n"),
  );
  // Layer 2: the control plane's rights. deploy/'s ClusterRole bound to this namespace's
  // ServiceAccount, and deploy/'s qs-builds Role (build logs) under this suite's name,
  // narrowed as deploy/policy narrows qs-system's: an admission policy of
  // this suite denies every write it makes outside this namespace, qs-builds and the
  // namespaces of this suite's apps (qs-app-<appPrefix>*).
  const who = `system:serviceaccount:${ns}:quickstack`;
  const buildsRole = parseAllDocuments(readFileSync(join(repoRoot, "deploy/base/rbac/builds-role.yaml"), "utf8"))
    .map((doc) => doc.toJS() as { kind: string; metadata: Record<string, unknown> })
    .find((doc) => doc.kind === "Role")!;
  writeFileSync(
    join(dir.path, "rbac.yaml"),
    [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: ownName },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "quickstack-control-plane",
        },
        subjects: [{ kind: "ServiceAccount", name: "quickstack", namespace: ns }],
      },
      { ...buildsRole, metadata: { ...buildsRole.metadata, name: ownName } },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: ownName, namespace: "qs-builds" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ownName },
        subjects: [{ kind: "ServiceAccount", name: "quickstack", namespace: ns }],
      },
      {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicy",
        metadata: { name: ownName },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ["*"],
                apiVersions: ["*"],
                operations: ["*"],
                resources: ["*/*"],
                scope: "*",
              },
            ],
          },
          matchConditions: [
            { name: "this-control-plane", expression: `request.userInfo.username == '${who}'` },
          ],
          validations: [
            {
              expression: `request.resource.resource == 'namespaces' ? request.name.startsWith('qs-app-${appPrefix}') : (request.namespace in ['${ns}', 'qs-builds'] || request.namespace.startsWith('qs-app-${appPrefix}'))`,
              message: `${ns}'s control plane writes only in its own namespaces`,
              reason: "Forbidden",
            },
          ],
        },
      },
      {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name: ownName },
        spec: { policyName: ownName, validationActions: ["Deny"] },
      },
    ]
      .map((doc) => stringify(doc))
      .join("---\n"),
  );
  writeFileSync(
    join(dir.path, "kustomization.yaml"),
    [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      "resources:",
      "  - ns",
      "  - rbac.yaml",
      "",
    ].join("\n"),
  );
  // The first admin's key, as `install.sh --admin-key` takes it.
  const keygen = runCommand("ssh-keygen", [
    "-q",
    "-t",
    "ed25519",
    "-N",
    "",
    "-C",
    "admin@qs-test",
    "-f",
    join(dir.path, "admin"),
  ]);
  expect(keygen.status, keygen.stderr).toBe(0);
  // As install.sh: the namespace, then the generated secrets, then the apply.
  await kubectl(["create", "namespace", ns]);
  // htpasswd -B's format (bcrypt, cost 10), which distribution's htpasswd auth reads, from
  // the C library's crypt(3) through perl (Debian's perl-base; htpasswd is not installed here).
  const saltAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const salt = [...randomBytes(22)].map((b) => saltAlphabet[b % 64]).join("");
  const bcrypt = runCommand("perl", ["-e", "print crypt(<STDIN>, $ENV{QS_SALT})"], {
    input: registryPassword,
    env: { ...process.env, QS_SALT: `$2b$10$${salt}` },
  });
  expect(bcrypt.stdout).toMatch(/^\$2b\$10\$[./A-Za-z0-9]{53}$/);
  expect(bcrypt.status, bcrypt.stderr).toBe(0);
  const secret = (name: string, data: Record<string, string>): string =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: ns },
      stringData: data,
    });
  await kubectl(
    ["apply", "-f", "-"],
    secret("quickstack-redis", {
      password: redisPassword,
      url: `redis://:${redisPassword}@redis.${ns}.svc:6379/0`,
    }),
  );
  await kubectl(
    ["apply", "-f", "-"],
    secret("quickstack-registry", {
      username: "quickstack",
      password: registryPassword,
      "http-secret": randomBytes(32).toString("hex"),
      htpasswd: `quickstack:${bcrypt.stdout.trim()}\n`,
    }),
  );
  await kubectl(
    ["apply", "-f", "-"],
    secret("quickstack-admin", {
      username: "admin",
      "ssh-key": readFileSync(join(dir.path, "admin.pub"), "utf8").trim(),
      // RFC 4226's 160-bit secret in base32, as install.sh makes it.
      "totp-secret": base32(randomBytes(20)),
    }),
  );
}, 1_200_000);

afterAll(async () => {
  // The app first, through the control plane that owns it (its images, its namespace).
  await sshCommand(`apps:destroy ${app} --confirm ${app}`).catch(() => "");
  await kubectl([
    "delete",
    "namespace",
    `qs-app-${app}`,
    "--wait=false",
    "--ignore-not-found",
  ]).catch(() => "");
  await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]).catch(() => "");
  // This suite's own cluster-scoped objects; the shared ones (CRDs, deploy/'s ClusterRole
  // and admission policy) stay.
  await kubectl([
    "delete",
    "clusterrolebinding,validatingadmissionpolicybinding,validatingadmissionpolicy",
    ownName,
    "--ignore-not-found",
  ]).catch(() => "");
  await kubectl(["-n", "qs-builds", "delete", "rolebinding,role", ownName, "--ignore-not-found"]).catch(() => "");
  await dir?.remove();
});

describe("kubectl apply -k deploy/ with the installer's overlay, for real", () => {
  let first: { redis: Pod; registry: Pod; controlPlane: Pod };
  let hostKey: string;
  let pushedSha: string | undefined;

  it("reaches Ready for Redis, the registry and the control plane on empty volumes", async () => {
    const out = await apply();
    expect(out).toEqual(
      expect.arrayContaining([
        "statefulset.apps/redis created",
        "deployment.apps/registry created",
        "deployment.apps/quickstack created",
        "persistentvolumeclaim/registry-data created",
        "persistentvolumeclaim/quickstack-data created",
      ]),
    );
    first = {
      redis: await readyPod(SELECTORS.redis),
      registry: await readyPod(SELECTORS.registry),
      controlPlane: await readyPod(SELECTORS.controlPlane),
    };
    // The registry's garbage collection ran on the empty volume and let the server start.
    const gc = await kubectl([
      "-n",
      ns,
      "logs",
      first.registry.metadata.name,
      "-c",
      "garbage-collect",
    ]);
    expect(gc).toContain("no image stored yet: nothing to collect");
    // Through its Service, which kube-proxy on a busy node may program a little later.
    const url = `http://${await serviceIp("quickstack")}/readyz`;
    const readyz = await eventually(
      async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        return res.status === 200 ? await res.text() : undefined;
      },
      "/readyz through the quickstack Service",
      60_000,
    );
    expect(readyz).toBe("redis: ok\nkubernetes: ok\n");
    hostKey = await sshHostKey();
    // The first admin from the quickstack-admin Secret logs in over the SSH Service.
    const fingerprint =
      runCommand("ssh-keygen", [
        "-l",
        "-E",
        "sha256",
        "-f",
        join(dir.path, "admin.pub"),
      ]).stdout.split(" ")[1] ?? "";
    expect(fingerprint).toMatch(/^SHA256:/);
    expect(await sshCommand("keys:list")).toContain(fingerprint);
    // deploy/'s rules, writes narrowed to this suite's namespaces by its admission policy
    // (a server-side dry run goes through admission and stores nothing).
    const asIt = ["--as", `system:serviceaccount:${ns}:quickstack`, "--dry-run=server"];
    const probe = ["create", "service", "clusterip", "qs-probe", "--tcp=80:8080", ...asIt];
    await expect(kubectl(["-n", "default", ...probe])).rejects.toThrow(
      /writes only in its own namespaces/,
    );
    await expect(kubectl(["create", "namespace", "qs-app-other", ...asIt])).rejects.toThrow(
      /writes only in its own namespaces/,
    );
    expect(await kubectl(["-n", ns, ...probe])).toContain("created");
    // ConfigMaps are granted in its own namespace only (the audit log), by RBAC itself.
    await expect(
      kubectl(["-n", "default", "create", "configmap", "qs-probe", ...asIt]),
    ).rejects.toThrow(/cannot create resource "configmaps"/);
    expect(await kubectl(["-n", ns, "create", "configmap", "qs-probe", ...asIt])).toContain(
      "created",
    );
  }, 900_000);

  it("takes a git push over its SSH Service: a real Kaniko build, a release, and the app answers HTTP", async () => {
    expect(first, "the first apply failed").toBeDefined();
    const created = await sshCommand(`apps:create ${app}`);
    expect(created).toContain(app);
    const work = join(dir.path, "work");
    mkdirSync(work);
    writeFileSync(
      join(work, "Dockerfile"),
      [
        "FROM busybox:1.37.0",
        "COPY index.html /srv/www/index.html",
        "USER 65534:65534",
        'CMD ["/bin/sh", "-c", "exec httpd -f -p \\"$PORT\\" -h /srv/www"]',
        "",
      ].join("\n"),
    );
    writeFileSync(join(work, "index.html"), "hello from the in-cluster control plane\n");
    const git = (...args: string[]) =>
      run("git", args, {
        cwd: work,
        timeout: 600_000,
        env: { ...process.env, GIT_SSH_COMMAND: sshArgs().join(" "), GIT_TERMINAL_PROMPT: "0" },
      });
    await git("init", "-q", "-b", "main");
    await git("-c", "user.email=dev@example.test", "-c", "user.name=Dev", "add", "-A");
    await git(
      "-c",
      "user.email=dev@example.test",
      "-c",
      "user.name=Dev",
      "commit",
      "-q",
      "-m",
      "first",
    );
    const ip = await serviceIp("quickstack-ssh");
    const pushed = await git("push", `ssh://git@${ip}:2222/${app}.git`, "HEAD:main").catch(
      (e: { stdout?: string; stderr?: string }) => ({
        stdout: e.stdout ?? "",
        stderr: `${e.stderr ?? ""} (push failed)`,
      }),
    );
    const output = pushed.stdout + pushed.stderr;
    expect(output).toMatch(/=====> Released v1/);
    expect(output).not.toContain("(push failed)");
    const body = await eventually(
      async () => {
        const svc = (
          await kubectl([
            "-n",
            `qs-app-${app}`,
            "get",
            "services",
            "-o",
            "jsonpath={.items[0].spec.clusterIP}",
          ])
        ).trim();
        if (svc === "") return undefined;
        const res = await fetch(`http://${svc}/`, { signal: AbortSignal.timeout(3_000) });
        return res.status === 200 ? await res.text() : undefined;
      },
      "HTTP 200 from the pushed app",
      120_000,
    );
    expect(body).toBe("hello from the in-cluster control plane\n");
    pushedSha = (await git("rev-parse", "HEAD")).stdout.trim();
  }, 900_000);

  it("keeps pushed images and Redis data across a restart of each; a second apply changes nothing", async () => {
    expect(first, "the first apply failed").toBeDefined();
    const kept = await pushImage("qs-test/kept", "v1");
    // An image deleted before the restart: the registry's start-up GC gives its layer back.
    const dropped = await pushImage("qs-test/dropped", "v1");
    const del = await registry(`/v2/qs-test/dropped/manifests/${dropped.digest}`, {
      method: "DELETE",
    });
    expect(del.status, await del.text()).toBe(202);
    expect(
      (await registry(`/v2/qs-test/dropped/blobs/${dropped.layer}`, { method: "HEAD" })).status,
    ).toBe(200);
    expect(await redisCli("SET", "qs-test-key", "kept across restarts")).toBe("OK");

    await kubectl(["-n", ns, "delete", "pod", "-l", SELECTORS.redis, "--wait=true"]);
    await kubectl(["-n", ns, "delete", "pod", "-l", SELECTORS.registry, "--wait=true"]);
    await kubectl(["-n", ns, "delete", "pod", "-l", SELECTORS.controlPlane, "--wait=true"]);
    await readyPod(SELECTORS.redis, [first.redis.metadata.uid]);
    const registryPod = await readyPod(SELECTORS.registry, [first.registry.metadata.uid]);
    await readyPod(SELECTORS.controlPlane, [first.controlPlane.metadata.uid]);

    const out = await apply();
    // The CRDs and deploy/'s ClusterRole are shared: a suite beside this one may have
    // re-installed them in between. Everything else (the admission policy, which only
    // install.sh and this suite apply, included) must be unchanged.
    const shared =
      /^(customresourcedefinition\.apiextensions\.k8s\.io\/|clusterrole\.rbac\.authorization\.k8s\.io\/quickstack-control-plane )/;
    const ours = out.filter((line) => !shared.test(line));
    expect(ours.filter((line) => !line.endsWith(" unchanged"))).toEqual([]);
    expect(ours).toEqual(
      expect.arrayContaining([
        "statefulset.apps/redis unchanged",
        "validatingadmissionpolicy.admissionregistration.k8s.io/quickstack-control-plane-scope unchanged",
      ]),
    );

    expect(await redisCli("GET", "qs-test-key")).toBe("kept across restarts");
    const manifest = await registry("/v2/qs-test/kept/manifests/v1", {
      headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("docker-content-digest")).toBe(kept.digest);
    expect(
      (await registry(`/v2/qs-test/kept/blobs/${kept.layer}`, { method: "HEAD" })).status,
    ).toBe(200);
    expect(
      (await registry(`/v2/qs-test/dropped/blobs/${dropped.layer}`, { method: "HEAD" })).status,
    ).toBe(404);
    const gc = await kubectl([
      "-n",
      ns,
      "logs",
      registryPod.metadata.name,
      "-c",
      "garbage-collect",
    ]);
    expect(gc).not.toContain("nothing to collect");
    expect(await sshHostKey()).toBe(hostKey);
    expect(await sshCommand("keys:list")).toContain("admin");
    // The bare repository on the control plane's volume kept the push.
    expect(pushedSha, "the push failed").toBeDefined();
    const ip = await serviceIp("quickstack-ssh");
    const remote = await run("git", ["ls-remote", `ssh://git@${ip}:2222/${app}.git`, "main"], {
      env: { ...process.env, GIT_SSH_COMMAND: sshArgs().join(" "), GIT_TERMINAL_PROMPT: "0" },
    });
    expect(remote.stdout).toContain(pushedSha);
  }, 900_000);
});
