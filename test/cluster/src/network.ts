import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { net, ports } from "./layout.ts";

// Host networking for the node: the pod bridge with the node's address, the sysctls
// Kubernetes networking needs, and a guard so that nothing of the cluster is reachable
// from outside the machine and no pod traffic leaves it.

const guardChain = "QS-CLUSTER-GUARD";

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
function tryRun(cmd: string, args: string[]): boolean {
  try {
    run(cmd, args);
    return true;
  } catch {
    return false;
  }
}

const sysctls = {
  "/proc/sys/net/ipv4/ip_forward": "1",
  "/proc/sys/net/bridge/bridge-nf-call-iptables": "1",
  "/proc/sys/net/bridge/bridge-nf-call-ip6tables": "1",
} as const;

/** Sets the sysctls and returns their previous values (restored by `restoreSysctls`). */
export function applySysctls(): Record<string, string> {
  const before: Record<string, string> = {};
  for (const [file, value] of Object.entries(sysctls)) {
    if (!existsSync(file))
      throw new Error(
        `${file} is missing: the kernel needs bridge netfilter (br_netfilter) for Service traffic between pods`,
      );
    before[file] = readFileSync(file, "utf8").trim();
    writeFileSync(file, value);
  }
  return before;
}

export function restoreSysctls(before: Record<string, string>): void {
  for (const [file, value] of Object.entries(before)) {
    if (existsSync(file)) writeFileSync(file, value);
  }
}

/** Creates the pod bridge with the node address (the CNI bridge plugin then reuses it). */
export function ensureBridge(): void {
  if (!tryRun("ip", ["link", "show", net.bridge]))
    run("ip", ["link", "add", net.bridge, "type", "bridge"]);
  const addrs = run("ip", ["-o", "-4", "addr", "show", "dev", net.bridge]);
  if (!addrs.includes(`${net.nodeIp}/`))
    run("ip", ["addr", "add", `${net.nodeIp}/24`, "dev", net.bridge]);
  run("ip", ["link", "set", net.bridge, "up"]);
}

export function removeBridge(): void {
  tryRun("ip", ["link", "delete", net.bridge]);
}

/**
 * iptables guard: the API server and kubelet answer only on loopback and the pod bridge,
 * and pod traffic is never forwarded anywhere but to other pods.
 */
export function ensureGuard(): void {
  removeGuard();
  run("iptables", ["-N", guardChain]);
  for (const port of [ports.apiserver, ports.kubelet, ports.kine, ports.registry]) {
    run("iptables", [
      "-A",
      guardChain,
      "-p",
      "tcp",
      "--dport",
      String(port),
      "-i",
      "lo",
      "-j",
      "RETURN",
    ]);
    run("iptables", [
      "-A",
      guardChain,
      "-p",
      "tcp",
      "--dport",
      String(port),
      "-i",
      net.bridge,
      "-j",
      "RETURN",
    ]);
    run("iptables", ["-A", guardChain, "-p", "tcp", "--dport", String(port), "-j", "DROP"]);
  }
  run("iptables", ["-I", "INPUT", "1", "-j", guardChain]);
  run("iptables", ["-I", "FORWARD", "1", "-s", net.podCidr, "!", "-d", net.podCidr, "-j", "DROP"]);
}

export function removeGuard(): void {
  while (tryRun("iptables", ["-D", "INPUT", "-j", guardChain]));
  while (
    tryRun("iptables", ["-D", "FORWARD", "-s", net.podCidr, "!", "-d", net.podCidr, "-j", "DROP"])
  );
  tryRun("iptables", ["-F", guardChain]);
  tryRun("iptables", ["-X", guardChain]);
}

/** Network namespaces the CNI plugins left behind (containerd names them cni-<uuid>). */
export function removePodNetns(): number {
  if (!existsSync("/var/run/netns")) return 0;
  const names = run("ip", ["netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith("cni-"));
  for (const name of names) tryRun("ip", ["netns", "delete", name]);
  return names.length;
}
