import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BASE_IMAGES } from "@qs/builder";
import { tempDir } from "../support/tmp.ts";
import { fakeMachineEnv, planLines, repoRoot, runCommand, runInstaller } from "./support.ts";

// `install.sh --dry-run` prints its plan (step headers and `would: …` actions, in order)
// and changes nothing. The machine's facts come from QS_TEST_* files (see support.ts).

const ADMIN_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ada@laptop";
const K3S = "v1.34.4+k3s1";
const K3S_SCRIPT = "https://raw.githubusercontent.com/k3s-io/k3s/v1.34.4%2Bk3s1/install.sh";
const CERT_MANAGER =
  "https://github.com/cert-manager/cert-manager/releases/download/v1.21.2/cert-manager.yaml";
const DOMAIN = "203.0.113.10.sslip.io";
// What the registry answers for every builder image in these dry runs (QS_TEST_IMAGE_DIGEST).
const IMAGE_DIGEST = `sha256:${"d".repeat(64)}`;
const BUILDER_IMAGES = [
  "ghcr.io/osscontainertools/kaniko:v1.27.6",
  "docker.io/moby/buildkit:v0.30.0-rootless",
  "docker.io/library/busybox:1.37.0",
];
// The base images of generated Dockerfiles, as deploy/ lists them (QS_BASE_IMAGES).
const BASE_IMAGES =
  /^ *- QS_BASE_IMAGES=(.*)$/m
    .exec(readFileSync(join(repoRoot, "deploy/base/kustomization.yaml"), "utf8"))?.[1]
    ?.split(",") ?? [];
const ALL_SECRETS = [
  "quickstack-redis",
  "quickstack-registry",
  "quickstack-join",
  "quickstack-admin",
  "qs-backup-key",
];
// The restic image backup Jobs run, as deploy/ lists it (QS_BACKUP_IMAGE).
const BACKUP_IMAGE =
  /^ *- QS_BACKUP_IMAGE=(.*)$/m.exec(
    readFileSync(join(repoRoot, "deploy/base/kustomization.yaml"), "utf8"),
  )?.[1] ?? "";
// Paths a real run writes: a dry run must leave each exactly as it found it.
const TOUCHED = [
  "/etc/quickstack",
  "/etc/rancher/k3s/config.yaml",
  "/etc/rancher/k3s/registries.yaml",
];

/** config.yaml as the installer writes it on a server (server_config_yaml in k3s.sh). */
function serverConfig(domain: string, publicIp: string, agentToken: string): string {
  const script = `source ${join(repoRoot, "scripts/install/lib.sh")}\nsource ${join(repoRoot, "scripts/install/k3s.sh")}\nserver_config_yaml "$1"`;
  const result = runCommand("bash", ["-c", script, "config", agentToken], {
    env: { PATH: process.env.PATH, DOMAIN: domain, PUBLIC_IP: publicIp },
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** The part of the plan after the preflight, for a server install on `domain`. */
function serverPlan(opts: {
  k3sStep: string[];
  secrets: string[];
  admin: string[];
  /** The backup key step's action (none when the key exists). */
  backupKey?: string[];
  tokenNote: string;
  domain?: string;
  longhorn?: boolean;
}): string[] {
  const domain = opts.domain ?? DOMAIN;
  return [
    "-----> Installing system packages",
    "would: wait for apt and dpkg to be free (unattended upgrades after boot) (up to 900s)",
    "would: run apt-get -o DPkg::Lock::Timeout=300 update -qq",
    "would: run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends ca-certificates curl openssl apache2-utils",
    "-----> Configuring k3s",
    `would: write /etc/rancher/k3s/config.yaml (mode 0600; wireguard-native flannel over external IPs, secrets encryption, tls-san ${domain}, ${opts.tokenNote})`,
    "would: write /etc/rancher/k3s/registries.yaml (mode 0600; mirror registry.qs-system.svc:5000 -> http://127.0.0.1:5000 with node credentials)",
    ...opts.k3sStep,
    "-----> Waiting for Kubernetes",
    "would: wait for the API server (up to 300s)",
    "would: wait for this node (vps-1) to be Ready (up to 300s)",
    "-----> Installing cert-manager v1.21.2",
    `would: kubectl apply -f ${CERT_MANAGER}`,
    "would: wait for deployment cert-manager/cert-manager (up to 300s)",
    "would: wait for deployment cert-manager/cert-manager-cainjector (up to 300s)",
    "would: wait for deployment cert-manager/cert-manager-webhook (up to 300s)",
    "-----> Creating the Let's Encrypt issuer",
    "would: kubectl apply (ClusterIssuer letsencrypt, ACME HTTP-01 via Traefik, ops@example.com)",
    "-----> Creating namespaces qs-system and qs-builds",
    `would: kubectl apply -f ${repoRoot}/deploy/base/namespace.yaml`,
    "-----> Generating secrets",
    ...opts.secrets,
    "would: kubectl apply (secret qs-builds/qs-registry-push: docker config for builders)",
    `would: kubectl apply (secret qs-system/quickstack-join: server https://203.0.113.10:6443, the agent token, with-longhorn=${opts.longhorn ?? false})`,
    "-----> Setting up the first admin",
    ...opts.admin,
    "-----> Creating the backup encryption key",
    ...(opts.backupKey ?? []),
    "-----> Pinning builder images by digest",
    ...BUILDER_IMAGES.map((ref) => `would: run k3s crictl pull ${ref}`),
    "-----> Pinning the backup image by digest",
    `would: run k3s crictl pull ${BACKUP_IMAGE}`,
    "-----> Pinning base images of generated Dockerfiles by digest",
    ...BASE_IMAGES.map((ref) => `would: resolve ${ref} (registry HEAD request)`),
    `-----> Applying deploy/ for ${domain}`,
    "would: run rm -rf /etc/quickstack/deploy",
    "would: run mkdir -p /etc/quickstack",
    `would: run cp -R ${repoRoot}/deploy /etc/quickstack/deploy`,
    `would: write /etc/quickstack/kustomization.yaml (mode 0644; overlay: qs.${domain}, QS_BASE_DOMAIN=${domain})`,
    "would: kubectl apply -k /etc/quickstack",
    "-----> Waiting for QuickStack",
    "would: wait for Redis (up to 300s)",
    "would: wait for the registry (up to 300s)",
    "would: wait for the registry relay on every node (up to 300s)",
    "would: wait for the control plane (/readyz) (up to 600s)",
    "-----> Then it would print:",
  ];
}

describe("install.sh --dry-run", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let before: boolean[];
  beforeAll(async () => {
    dir = await tempDir("qs-install-plan-");
    before = TOUCHED.map((p) => existsSync(p));
  });
  afterAll(async () => {
    // Nothing the real installer writes appeared or vanished during the dry runs.
    expect(TOUCHED.map((p) => existsSync(p))).toEqual(before);
    await dir.remove();
  });

  it("plans a fresh install step by step, with the admin key from authorized_keys", () => {
    const env: NodeJS.ProcessEnv = {
      ...fakeMachineEnv(join(dir.path, "fresh"), { authorizedKeys: `# my laptop\nno-pty ${ADMIN_KEY}\n` }),
      QS_TEST_IMAGE_DIGEST: IMAGE_DIGEST,
    };
    const result = runInstaller(["--dry-run", "--email", "ops@example.com"], env);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const lines = planLines(result.stdout);
    expect(lines.slice(0, 2)).toEqual([
      "-----> QuickStack 0.1.0: install a server (dry run: nothing will be changed)",
      "-----> Checking this machine",
    ]);
    expect(result.stdout).toContain("ok  Debian GNU/Linux 12 (bookworm)");
    expect(result.stdout).toContain("ok  amd64");
    expect(result.stdout).toContain("ok  3932 MiB memory (3042 MiB needed)");
    expect(result.stdout).toContain("ok  WireGuard kernel module");
    expect(result.stdout).toContain("ok  ports 80 443 2222 6443 5000 are free");
    expect(result.stdout).toContain("ok  public IPv4 203.0.113.10");
    expect(result.stdout).toContain(
      `ok  first admin key: ssh-ed25519 … ada@laptop (from ${env.QS_TEST_AUTHORIZED_KEYS})`,
    );
    expect(result.stdout).toContain(`domain ${DOMAIN} (no --domain given)`);
    expect(lines.slice(2)).toEqual(
      serverPlan({
        tokenNote: "new agent token (openssl rand)",
        k3sStep: [
          `-----> Installing k3s ${K3S} (server)`,
          `would: download ${K3S_SCRIPT}`,
          `would: run the k3s install script (INSTALL_K3S_VERSION=${K3S}, server; settings from /etc/rancher/k3s/config.yaml)`,
        ],
        secrets: [
          "would: create secret qs-system/quickstack-redis (password, url; openssl rand)",
          "would: create secret qs-system/quickstack-registry (username, password, http-secret, htpasswd for quickstack + node; openssl rand, bcrypt)",
        ],
        admin: [
          `would: create secret qs-system/quickstack-admin (ssh-key from ${env.QS_TEST_AUTHORIZED_KEYS}, new TOTP secret)`,
        ],
        backupKey: [
          "would: create secret qs-system/qs-backup-key (password; openssl rand, shown once at the end)",
        ],
      }),
    );
    // The next steps a real run ends with.
    expect(result.stdout).toContain(
      `  Host qs\n    HostName ${DOMAIN}\n    Port 2222\n    User git\n`,
    );
    expect(result.stdout).toContain(`Status page: https://qs.${DOMAIN}/`);
    expect(result.stdout).toContain(`git remote add qs ssh://git@${DOMAIN}:2222/myapp.git`);
    expect(result.stdout).toContain("git push qs main");
    // Builder images pinned to what the server pulled, as the overlay will set them.
    expect(result.stdout).toContain(`QS_BUILDER_KANIKO_IMAGE=${BUILDER_IMAGES[0]!}@${IMAGE_DIGEST}`);
    expect(result.stdout).toContain(`QS_BUILDER_BUILDKIT_IMAGE=${BUILDER_IMAGES[1]!}@${IMAGE_DIGEST}`);
    expect(result.stdout).toContain(`QS_BUILDER_FETCH_IMAGE=${BUILDER_IMAGES[2]!}@${IMAGE_DIGEST}`);
    // So is the restic image backup Jobs run (they hold every backup's keys).
    expect(BACKUP_IMAGE).toMatch(/restic/);
    expect(result.stdout).toContain(`QS_BACKUP_IMAGE=${BACKUP_IMAGE}@${IMAGE_DIGEST}`);
    // So are the base images of generated Dockerfiles, the single-page-app runtime with them.
    expect(BASE_IMAGES.length).toBeGreaterThan(5);
    expect(BASE_IMAGES).toContain(DEFAULT_BASE_IMAGES.spa);
    for (const ref of BASE_IMAGES) expect(result.stdout).toContain(`       ${ref}@${IMAGE_DIGEST}\n`);
    // Debian 12 has no AppArmor user-namespace knob: nothing to change for BuildKit.
    expect(result.stdout).not.toContain("apparmor_restrict_unprivileged_userns");
    // No TOTP enrolment in a dry run (no secret exists to show).
    expect(result.stdout).not.toContain("otpauth://");
  });

  it("plans a re-run as an upgrade: keeps secrets and the agent token, skips busy ports", () => {
    // No digest stands in here: the images cannot be pulled, so builds keep the tags.
    const env = fakeMachineEnv(join(dir.path, "upgrade"), {
      k3sVersion: "v1.33.4+k3s1",
      k3sConfig: 'write-kubeconfig-mode: "0600"\nagent-token: "0123abcd"\n',
      portsInUse: [80, 443, 2222, 6443, 5000],
      secrets: ALL_SECRETS,
    });
    const result = runInstaller(
      ["--dry-run", "--domain", "apps.example.com", "--email=ops@example.com"],
      env,
    );
    expect(result.stderr.split("\n").filter(Boolean)).toEqual([
      ...BUILDER_IMAGES.map((ref) => ` !     could not pull ${ref}: builds use the tag until install.sh is re-run`),
      ` !     could not pull ${BACKUP_IMAGE}: backups use the tag until install.sh is re-run`,
      ...BASE_IMAGES.map((ref) => ` !     could not resolve ${ref}: builds use the tag until install.sh is re-run`),
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      "ok  ports 80 443 2222 6443 5000 (held by the existing k3s v1.33.4+k3s1: re-run)",
    );
    expect(result.stdout).toContain("ok  first admin already set up (secret quickstack-admin)");
    expect(result.stdout).not.toContain("no --domain given");
    const lines = planLines(result.stdout);
    expect(lines.slice(2)).toEqual(
      serverPlan({
        domain: "apps.example.com",
        tokenNote: "keeps the existing agent token",
        k3sStep: [
          `-----> Upgrading k3s v1.33.4+k3s1 to ${K3S}`,
          `would: download ${K3S_SCRIPT}`,
          `would: run the k3s install script (INSTALL_K3S_VERSION=${K3S}, server; settings from /etc/rancher/k3s/config.yaml)`,
        ],
        secrets: [],
        admin: [],
      }),
    );
    expect(result.stdout).toContain("keep quickstack-redis (exists)");
    expect(result.stdout).toContain("keep quickstack-registry (exists)");
    expect(result.stdout).toContain(
      "keep quickstack-admin (exists; its TOTP secret is not shown again)",
    );
    expect(result.stdout).toContain("keep qs-backup-key (exists; the key is not shown again)");
    expect(result.stdout).not.toContain("Backup encryption key (shown once");
    expect(result.stdout).toContain(
      "DNS: point apps.example.com and *.apps.example.com at 203.0.113.10.",
    );
  });

  it("plans a repair at the same k3s version: no download, restart only if registries.yaml changed", () => {
    const env = fakeMachineEnv(join(dir.path, "repair"), {
      k3sVersion: K3S,
      // config.yaml exactly as this install writes it: nothing there asks for a restart.
      k3sConfig: serverConfig("203.0.113.10.sslip.io", "203.0.113.10", "0123abcd"),
      portsInUse: [80, 443],
      secrets: ALL_SECRETS,
    });
    const result = runInstaller(["--dry-run", "--admin-key", ADMIN_KEY], env);
    expect(result.status).toBe(0);
    const lines = planLines(result.stdout);
    const at = lines.indexOf(`-----> k3s ${K3S} is already installed`);
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(
      "would: run systemctl restart k3s (only if registries.yaml changed)",
    );
    expect(lines.join("\n")).not.toContain("would: download");
    // --admin-key on a re-run replaces the stored key, never the TOTP secret.
    expect(lines).toContain(
      "would: kubectl patch secret qs-system/quickstack-admin (ssh-key from --admin-key)",
    );
  });

  it.each([
    ["a new --domain", ["--domain", "apps.example.com"], "203.0.113.10"],
    ["a new public IP", [], "198.51.100.20"],
  ])("restarts k3s at the same version after %s rewrites config.yaml", (_what, args, publicIp) => {
    const env = fakeMachineEnv(join(dir.path, `reconfigure-${publicIp}`), {
      k3sVersion: K3S,
      k3sConfig: serverConfig("203.0.113.10.sslip.io", "203.0.113.10", "0123abcd"),
      portsInUse: [80, 443, 2222, 6443, 5000],
      secrets: ALL_SECRETS,
      publicIp,
    });
    const result = runInstaller(["--dry-run", ...args], env);
    expect(result.status).toBe(0);
    const lines = planLines(result.stdout);
    const at = lines.indexOf(`-----> k3s ${K3S} is already installed`);
    expect(lines[at + 1]).toBe("would: run systemctl restart k3s");
  });

  it.each([
    [
      "v1.32.9+k3s1",
      "k3s v1.32.9+k3s1 is installed: Kubernetes upgrades one minor version at a time, so first run install.sh --k3s-version v1.33.N+k3s1 (a release from https://github.com/k3s-io/k3s/releases), then again without it",
    ],
    [
      "v1.35.1+k3s1",
      `k3s v1.35.1+k3s1 is installed and ${K3S} is older: k3s cannot be downgraded (pass --k3s-version with a v1.35 release)`,
    ],
  ])("refuses to move an installed k3s %s past one minor version, saying what to run", (installed, message) => {
    const env = fakeMachineEnv(join(dir.path, `skip-${installed}`), {
      k3sVersion: installed,
      secrets: ALL_SECRETS,
    });
    const result = runInstaller(["--dry-run"], env);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`  - ${message}\n`);
    expect(result.stdout).not.toContain("would:");
  });

  const LONGHORN_PREREQUISITES = [
    "-----> Preparing this node for Longhorn volumes (iSCSI)",
    "would: run systemctl enable --now iscsid",
    "would: write /etc/modules-load.d/quickstack-longhorn.conf (mode 0644; load iscsi_tcp at boot)",
    "would: run modprobe iscsi_tcp",
  ];

  it("plans Longhorn with its prerequisites when asked, and records the choice for re-runs and joins", () => {
    const env = fakeMachineEnv(join(dir.path, "longhorn"));
    const result = runInstaller(["--dry-run", "--with-longhorn", "--admin-key", ADMIN_KEY], env);
    expect(result.status).toBe(0);
    const lines = planLines(result.stdout);
    expect(lines).toContain(
      "would: run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends ca-certificates curl openssl apache2-utils open-iscsi nfs-common",
    );
    const prep = lines.indexOf(LONGHORN_PREREQUISITES[0]!);
    expect(lines.slice(prep, prep + 5)).toEqual([
      ...LONGHORN_PREREQUISITES,
      "would: write /etc/quickstack/options (mode 0644; remember --with-longhorn)",
    ]);
    // The join line then carries --with-longhorn (nodes:join-command reads this Secret).
    expect(lines).toContain(
      "would: kubectl apply (secret qs-system/quickstack-join: server https://203.0.113.10:6443, the agent token, with-longhorn=true)",
    );
    const at = lines.indexOf("-----> Installing Longhorn v1.9.1");
    expect(lines.slice(at, at + 6)).toEqual([
      "-----> Installing Longhorn v1.9.1",
      "would: kubectl apply -f https://raw.githubusercontent.com/longhorn/longhorn/v1.9.1/deploy/longhorn.yaml",
      "would: wait for Longhorn's manager on every node (up to 600s)",
      "would: wait for Longhorn's driver deployer (up to 600s)",
      `would: kubectl patch storageclass local-path -p {"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"false"}}}`,
      `would: kubectl patch storageclass longhorn -p {"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}`,
    ]);
    // Longhorn comes after the issuer and before QuickStack's own manifests.
    expect(at).toBeGreaterThan(lines.indexOf("-----> Creating the Let's Encrypt issuer"));
    expect(at).toBeLessThan(lines.indexOf("-----> Creating namespaces qs-system and qs-builds"));
  });

  it("keeps Longhorn on a re-run without --with-longhorn when the first install recorded it", () => {
    const env = fakeMachineEnv(join(dir.path, "longhorn-rerun"), {
      k3sVersion: K3S,
      secrets: ALL_SECRETS,
      portsInUse: [80, 443, 2222, 6443, 5000],
      options: "# Written by QuickStack install.sh\nwith-longhorn\n",
    });
    const result = runInstaller(["--dry-run"], env);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("with Longhorn (recorded in /etc/quickstack/options)");
    const lines = planLines(result.stdout);
    expect(lines).toEqual(expect.arrayContaining([...LONGHORN_PREREQUISITES, "-----> Installing Longhorn v1.9.1"]));
  });

  it("prepares a joining node for Longhorn when the join line says --with-longhorn", () => {
    const result = runInstaller(
      ["join", "--server", "https://203.0.113.10:6443", "--token", "K10x::node:abc", "--with-longhorn", "--dry-run"],
      fakeMachineEnv(join(dir.path, "longhorn-agent")),
    );
    expect(result.status).toBe(0);
    const lines = planLines(result.stdout);
    const at = lines.indexOf(LONGHORN_PREREQUISITES[0]!);
    expect(lines.slice(at, at + 4)).toEqual(LONGHORN_PREREQUISITES);
    expect(at).toBeLessThan(lines.indexOf(`-----> Installing k3s ${K3S} (agent)`));
  });

  it("plans a join: agent config, the same registries.yaml, the pinned agent install", () => {
    const env = fakeMachineEnv(join(dir.path, "join"), { publicIp: "198.51.100.7" });
    const token = "K10abcdef0123456789::node:0123abcd";
    const result = runInstaller(
      ["join", "--server", "https://203.0.113.10:6443", "--token", token, "--dry-run"],
      env,
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("ok  ports 80 443 2222 5000 are free");
    expect(result.stdout).not.toContain(token);
    expect(planLines(result.stdout)).toEqual([
      "-----> QuickStack 0.1.0: join https://203.0.113.10:6443 as a node (dry run: nothing will be changed)",
      "-----> Checking this machine",
      "-----> Installing system packages",
      "would: wait for apt and dpkg to be free (unattended upgrades after boot) (up to 900s)",
      "would: run apt-get -o DPkg::Lock::Timeout=300 update -qq",
      "would: run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends ca-certificates curl openssl",
      "-----> Configuring k3s",
      "would: write /etc/rancher/k3s/config.yaml (mode 0600; agent of https://203.0.113.10:6443, external IP 198.51.100.7)",
      "would: write /etc/rancher/k3s/registries.yaml (mode 0600; mirror registry.qs-system.svc:5000 -> http://127.0.0.1:5000 with node credentials)",
      `-----> Installing k3s ${K3S} (agent)`,
      `would: download ${K3S_SCRIPT}`,
      `would: run the k3s install script (INSTALL_K3S_VERSION=${K3S}, agent; settings from /etc/rancher/k3s/config.yaml)`,
      "-----> Waiting for the k3s agent",
      "would: wait for k3s-agent to be running (up to 300s)",
      "-----> This VPS is now a node of https://203.0.113.10:6443",
    ]);
  });

  it("lets rootless BuildKit make user namespaces where AppArmor restricts them (Ubuntu 24.04+)", () => {
    const ubuntu = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"';
    const step = [
      "-----> Allowing user namespaces for rootless BuildKit (AppArmor restricts them here)",
      "would: write /etc/sysctl.d/60-quickstack-buildkit.conf (mode 0644; kernel.apparmor_restrict_unprivileged_userns = 0)",
      "would: run sysctl -q -w kernel.apparmor_restrict_unprivileged_userns=0",
    ];
    const server = runInstaller(["--dry-run", "--admin-key", ADMIN_KEY], {
      ...fakeMachineEnv(join(dir.path, "noble"), { osRelease: ubuntu, usernsKnob: "1\n" }),
      QS_TEST_IMAGE_DIGEST: IMAGE_DIGEST,
    });
    expect(server.stderr).toBe("");
    expect(server.status).toBe(0);
    const lines = planLines(server.stdout);
    const at = lines.indexOf(step[0]!);
    expect(lines.slice(at, at + 3)).toEqual(step);
    // Before k3s starts, so the first build already finds it.
    expect(at).toBeLessThan(lines.indexOf("-----> Configuring k3s"));
    // Builds run on any node: a joining agent sets it too.
    const agent = runInstaller(
      ["join", "--server", "https://203.0.113.10:6443", "--token", "K10x::node:abc", "--dry-run"],
      fakeMachineEnv(join(dir.path, "noble-agent"), { osRelease: ubuntu, usernsKnob: "1\n" }),
    );
    expect(agent.status).toBe(0);
    expect(planLines(agent.stdout)).toEqual(expect.arrayContaining(step));
  });

  it("refuses once, listing everything that is wrong with the machine", () => {
    const env = fakeMachineEnv(join(dir.path, "bad"), {
      osRelease:
        'PRETTY_NAME="CentOS Stream 9"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"',
      memTotalKiB: 512 * 1024,
      arch: "riscv64",
      wireguard: false,
      portsInUse: [80, 6443],
      publicIp: "",
      image: null,
    });
    const result = runInstaller(["--dry-run"], env);
    expect(result.status).toBe(1);
    expect(planLines(result.stdout)).toEqual([
      "-----> QuickStack 0.1.0: install a server (dry run: nothing will be changed)",
      "-----> Checking this machine",
    ]);
    expect(result.stderr.split("\n").filter(Boolean)).toEqual([
      " !     QuickStack cannot be installed on this machine yet:",
      " !       - CentOS Stream 9 (rhel fedora) is not supported: QuickStack installs on Debian 11+ or Ubuntu 20.04+",
      " !       - CPU architecture riscv64 is not supported: amd64 or arm64 is needed",
      ' !       - only 512 MiB of memory: a QuickStack server (k3s, cert-manager, Redis, the registry, the control plane and one build) needs 3042 MiB (see deploy/INSTALL.md, "Memory"); choose a VPS with 4 GB',
      " !       - the kernel has no WireGuard module (a container-based VPS such as OpenVZ or LXC cannot load it): choose a KVM or other full-virtualisation VPS, or on Debian/Ubuntu with a stock kernel run modprobe wireguard to see why it fails",
      " !       - port(s) 80 6443 already in use: stop what listens there (see: ss -ltnp)",
      " !       - no public IPv4 address found: QuickStack needs one for HTTPS and SSH (check the network, then re-run)",
      " !       - no SSH public key for the first admin: pass --admin-key 'ssh-ed25519 AAAA… you@laptop' (or a .pub file), or add your key to ~/.ssh/authorized_keys",
      ' !       - QUICKSTACK_IMAGE is not set and no control-plane image is published yet: in a QuickStack checkout with podman or docker run IMAGE=ghcr.io/<you>/quickstack:0.1.0 npm run image, push it (podman push ghcr.io/<you>/quickstack:0.1.0) to a registry this server can pull from, then run here: sudo QUICKSTACK_IMAGE=ghcr.io/<you>/quickstack:0.1.0 bash scripts/install.sh … (deploy/INSTALL.md, "The control-plane image")',
      " !     Fix these and run the same command again.",
    ]);
  });

  it.each([
    ["ghcr.io/me/quickstack", "QUICKSTACK_IMAGE=ghcr.io/me/quickstack names no version: add its tag (:0.1.0) or digest (@sha256:…)"],
    ["203.0.113.10:5000/me/quickstack", "QUICKSTACK_IMAGE=203.0.113.10:5000/me/quickstack names no version"],
    ["ghcr.io/Me/quickstack:0.1.0", "QUICKSTACK_IMAGE=ghcr.io/Me/quickstack:0.1.0 is not an image reference: write it as registry[:port]/name:tag"],
    ["quickstack:0.1.0@sha256:abc", "is not an image reference"],
  ])("refuses QUICKSTACK_IMAGE=%s before changing anything", (image, message) => {
    const result = runInstaller(
      ["--dry-run", "--admin-key", ADMIN_KEY],
      fakeMachineEnv(join(dir.path, "bad-image"), { image }),
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stdout).not.toContain("would:");
  });

  it("accepts QUICKSTACK_IMAGE with a registry port and a digest", () => {
    const image = `203.0.113.10:5000/me/quickstack:0.2.0@sha256:${"c".repeat(64)}`;
    const result = runInstaller(
      ["--dry-run", "--admin-key", ADMIN_KEY],
      { ...fakeMachineEnv(join(dir.path, "digest-image"), { image }), QS_TEST_IMAGE_DIGEST: IMAGE_DIGEST },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`ok  control-plane image ${image}`);
  });

  it("refuses a 2 GB VPS for a server (what it needs does not fit) but lets it join as a node", () => {
    // A "2 GB" VPS: MemTotal after the kernel's reserve.
    const memTotalKiB = 1_990_000;
    const server = runInstaller(
      ["--dry-run", "--admin-key", ADMIN_KEY],
      fakeMachineEnv(join(dir.path, "small"), { memTotalKiB }),
    );
    expect(server.status).toBe(1);
    expect(server.stderr).toContain("only 1943 MiB of memory: a QuickStack server");
    const agent = runInstaller(
      ["join", "--server", "https://203.0.113.10:6443", "--token", "K10x::node:abc", "--dry-run"],
      fakeMachineEnv(join(dir.path, "small-agent"), { memTotalKiB }),
    );
    expect(agent.status).toBe(0);
    expect(agent.stdout).toContain("ok  1943 MiB memory (1303 MiB needed)");
  });

  it("accepts Ubuntu and arm64, refuses old releases", () => {
    const ubuntu = (version: string): string =>
      `PRETTY_NAME="Ubuntu ${version} LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="${version}"`;
    const ok = runInstaller(
      ["--dry-run", "--admin-key", ADMIN_KEY],
      fakeMachineEnv(join(dir.path, "ubuntu"), { osRelease: ubuntu("24.04"), arch: "aarch64" }),
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("ok  Ubuntu 24.04 LTS");
    expect(ok.stdout).toContain("ok  arm64");
    const old = runInstaller(
      ["--dry-run", "--admin-key", ADMIN_KEY],
      fakeMachineEnv(join(dir.path, "old"), { osRelease: ubuntu("18.04") }),
    );
    expect(old.status).toBe(1);
    expect(old.stderr).toContain("Ubuntu 18.04 is too old: Ubuntu 20.04 or newer is needed");
  });

  it("plans an uninstall of a server", () => {
    const env = fakeMachineEnv(join(dir.path, "uninstall"), { k3sVersion: K3S });
    const result = runInstaller(["--uninstall", "--dry-run"], env);
    expect(result.status).toBe(0);
    expect(planLines(result.stdout)).toEqual([
      "-----> QuickStack 0.1.0: uninstall (dry run: nothing will be changed)",
      "-----> Uninstalling QuickStack and k3s from this machine",
      "would: run /usr/local/bin/k3s-uninstall.sh",
      "would: run rm -rf /etc/quickstack /etc/rancher/k3s/registries.yaml /etc/rancher/k3s/config.yaml",
      "-----> Removed",
    ]);
  });

  it.each([
    [["--colour"], "unknown argument: --colour"],
    [["--domain"], "--domain needs a value"],
    [["--domain", "Bad_Domain"], "--domain Bad_Domain: expected a lower-case DNS name"],
    [["--email", "nobody"], "--email nobody: expected an address"],
    [["--k3s-version", "1.34"], "--k3s-version 1.34: expected a k3s release such as v1.34.4+k3s1"],
    [["--k3s-version", "v1.29.9+k3s1"], "QuickStack needs k3s v1.30 or newer"],
    [["--admin-key", "not a key"], "--admin-key: expected an OpenSSH public key line"],
    [["--server", "https://x:6443"], "--server belong to: install.sh join"],
    [["join", "--token", "t"], "join needs --server https://<server-ip>:6443"],
    [["join", "--server", "https://203.0.113.10:6443"], "join needs --token"],
    [
      ["join", "--server", "https://1.2.3.4:6443", "--token", "t", "--domain", "a.b"],
      "--domain apply to the first server",
    ],
  ])("rejects %j with a usage error", (args, message) => {
    const result = runInstaller(["--dry-run", ...args], fakeMachineEnv(join(dir.path, "usage")));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).not.toContain("would:");
  });

  it("prints its usage with --help", () => {
    const result = runInstaller(["--help"], {});
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("join --server https://IP:6443 --token TOKEN");
    expect(result.stdout).toContain("--dry-run prints every action in order");
  });
});
