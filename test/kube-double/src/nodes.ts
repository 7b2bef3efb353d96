import type { KubeObject } from "./types.ts";

/** Capacity of each simulated node. */
export interface NodeCapacity {
  /** @defaultValue "4" */
  cpu: string;
  /** @defaultValue "8Gi" */
  memory: string;
  /** @defaultValue "110" */
  pods: string;
}

/** A Ready node object as a k3s node reports itself. */
export function buildNode(name: string, index: number, capacity: NodeCapacity): KubeObject {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const cap = { cpu: capacity.cpu, memory: capacity.memory, pods: capacity.pods, "ephemeral-storage": "50Gi" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": "k3s",
        ...(index === 0 ? { "node-role.kubernetes.io/control-plane": "true" } : {}),
      },
    } as unknown as KubeObject["metadata"],
    spec: { podCIDR: `10.42.${index}.0/24`, podCIDRs: [`10.42.${index}.0/24`] },
    status: {
      capacity: cap,
      allocatable: cap,
      conditions: [
        { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now },
        { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available", lastHeartbeatTime: now, lastTransitionTime: now },
        { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure", lastHeartbeatTime: now, lastTransitionTime: now },
        { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available", lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      addresses: [
        { type: "InternalIP", address: `10.0.0.${index + 10}` },
        { type: "Hostname", address: name },
      ],
      nodeInfo: {
        kubeletVersion: "v1.32.4+k3s1",
        kubeProxyVersion: "v1.32.4+k3s1",
        containerRuntimeVersion: "containerd://1.7.23-k3s2",
        operatingSystem: "linux",
        architecture: "amd64",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        kernelVersion: "6.1.0-kube-double",
        machineID: `kube-double-${index}`,
        systemUUID: `kube-double-${index}`,
        bootID: `kube-double-${index}`,
      },
    },
  };
}
