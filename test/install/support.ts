import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

/** The repository root (this file is test/install/support.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A Kubernetes object as rendered YAML: only the fields every object has are typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> } & Record<
    string,
    unknown
  >;
  [field: string]: unknown;
}

/** Output of one finished command. */
export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (no shell) and returns its exit status and output. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    input: options.input,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Renders a kustomization with the real kubectl and parses every document. */
export function renderKustomize(dir: string): KubeObject[] {
  const result = runCommand("kubectl", ["kustomize", dir]);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`bad YAML from ${dir}: ${doc.errors[0]?.message}`);
    return doc.toJS() as KubeObject;
  });
}

/** The object of `kind` named `name` (throws when absent, so tests fail loudly). */
export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

/** Machine facts for install.sh --dry-run, written as files under `dir`. */
export interface FakeMachine {
  osRelease?: string;
  memTotalKiB?: number;
  arch?: string;
  portsInUse?: readonly number[];
  publicIp?: string;
  /** Installed k3s version; "" = none. */
  k3sVersion?: string;
  k3sRole?: "server" | "agent";
  /** Content of an existing /etc/rancher/k3s/config.yaml. */
  k3sConfig?: string;
  secrets?: readonly string[];
  authorizedKeys?: string;
  /** Content of /proc/sys/kernel/apparmor_restrict_unprivileged_userns; absent when unset. */
  usernsKnob?: string;
  /** Whether the kernel has the WireGuard module (default true). */
  wireguard?: boolean;
  /** Content of /etc/quickstack/options (choices recorded by an earlier install); absent when unset. */
  options?: string;
  /** The host name k3s names this node after. */
  hostname?: string;
  /** QUICKSTACK_IMAGE as the user sets it; null leaves it unset. */
  image?: string | null;
}

/** The control-plane image the plan tests install unless told otherwise. */
export const TEST_IMAGE = "ghcr.io/example/quickstack:0.1.0";

export const DEBIAN_12 = [
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
  'NAME="Debian GNU/Linux"',
  'VERSION_ID="12"',
  "ID=debian",
].join("\n");

/** The QS_TEST_* environment describing `machine`, with its files written under `dir`. */
export function fakeMachineEnv(dir: string, machine: FakeMachine = {}): NodeJS.ProcessEnv {
  mkdirSync(dir, { recursive: true });
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const env: NodeJS.ProcessEnv = {
    QS_TEST_OS_RELEASE: file("os-release", `${machine.osRelease ?? DEBIAN_12}\n`),
    QS_TEST_MEMINFO: file(
      "meminfo",
      `MemTotal:       ${machine.memTotalKiB ?? 4_026_532} kB\nMemFree:         1000 kB\n`,
    ),
    QS_TEST_ARCH: machine.arch ?? "x86_64",
    QS_TEST_PORTS_IN_USE: (machine.portsInUse ?? []).join(","),
    QS_TEST_PUBLIC_IP: machine.publicIp ?? "203.0.113.10",
    QS_TEST_K3S_VERSION: machine.k3sVersion ?? "",
    QS_TEST_K3S_ROLE: machine.k3sRole ?? "server",
    QS_TEST_K3S_CONFIG: file("k3s-config.yaml", machine.k3sConfig ?? ""),
    QS_TEST_SECRETS: (machine.secrets ?? []).join(","),
    QS_TEST_AUTHORIZED_KEYS: file("authorized_keys", machine.authorizedKeys ?? ""),
    QS_TEST_HOSTNAME: machine.hostname ?? "vps-1",
    QS_TEST_OPTIONS:
      machine.options === undefined ? join(dir, "no-options") : file("options", machine.options),
    QS_TEST_WIREGUARD: machine.wireguard === false ? "no" : "yes",
    // Ubuntu 24.04+'s AppArmor user-namespace knob; absent unless the machine has it.
    QS_TEST_USERNS_KNOB:
      machine.usernsKnob === undefined
        ? join(dir, "no-userns-knob")
        : file("apparmor_restrict_unprivileged_userns", machine.usernsKnob),
  };
  if (machine.image !== null) env.QUICKSTACK_IMAGE = machine.image ?? TEST_IMAGE;
  return env;
}

/** Runs scripts/install.sh with a minimal environment plus `env` (nothing else leaks in). */
export function runInstaller(args: readonly string[], env: NodeJS.ProcessEnv): RunResult {
  return runCommand("bash", [join(repoRoot, "scripts/install.sh"), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8", ...env },
  });
}

/** The plan lines of an installer run: step headers (`-----> …`) and `would: …` actions. */
export function planLines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("-----> ") || l.startsWith("would: "));
}
