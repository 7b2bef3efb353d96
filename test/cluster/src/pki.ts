import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { net, nodeName } from "./layout.ts";

// Certificates for the local cluster, made with openssl: one CA for clients and servers
// (as kubeadm's ca), one for the aggregation layer's front proxy, and the service-account
// signing key. Identities follow the names Kubernetes' RBAC and Node authorizer expect.

interface Identity {
  file: string;
  cn: string;
  org?: string;
  /** Subject alternative names for serving certificates. */
  san?: string[];
  ca?: "ca" | "front-proxy-ca";
}

/** Every certificate the cluster uses, by file name. */
export const identities: readonly Identity[] = [
  {
    file: "apiserver",
    cn: "kube-apiserver",
    san: [
      "IP:127.0.0.1",
      `IP:${net.nodeIp}`,
      `IP:${net.kubernetesServiceIp}`,
      "DNS:localhost",
      "DNS:kubernetes",
      "DNS:kubernetes.default",
      "DNS:kubernetes.default.svc",
      `DNS:kubernetes.default.svc.${net.clusterDomain}`,
    ],
  },
  {
    file: "apiserver-kubelet-client",
    cn: "kube-apiserver-kubelet-client",
    org: "system:masters",
  },
  { file: "admin", cn: "qs-admin", org: "system:masters" },
  { file: "controller-manager", cn: "system:kube-controller-manager" },
  { file: "scheduler", cn: "system:kube-scheduler" },
  { file: "kube-proxy", cn: "system:kube-proxy" },
  { file: "kubelet", cn: `system:node:${nodeName}`, org: "system:nodes" },
  {
    file: "kubelet-serving",
    cn: nodeName,
    san: ["IP:127.0.0.1", `IP:${net.nodeIp}`, `DNS:${nodeName}`],
  },
  { file: "front-proxy-client", cn: "front-proxy-client", ca: "front-proxy-ca" },
];

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Makes the CAs, keys and certificates under `dir` that do not exist yet. */
export async function ensurePki(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const ca of ["ca", "front-proxy-ca"]) {
    if (existsSync(join(dir, `${ca}.crt`))) continue;
    openssl(["genrsa", "-out", `${ca}.key`, "2048"], dir);
    openssl(
      [
        "req",
        "-x509",
        "-new",
        "-key",
        `${ca}.key`,
        "-days",
        "3650",
        "-subj",
        `/CN=qs-local-${ca}`,
        "-out",
        `${ca}.crt`,
      ],
      dir,
    );
  }
  if (!existsSync(join(dir, "sa.key"))) {
    openssl(["genrsa", "-out", "sa.key", "2048"], dir);
    openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  }
  for (const id of identities) {
    if (existsSync(join(dir, `${id.file}.crt`))) continue;
    const ca = id.ca ?? "ca";
    const subject = `${id.org ? `/O=${id.org}` : ""}/CN=${id.cn}`;
    const ext = [
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage=${id.san ? "serverAuth" : "clientAuth"}`,
      ...(id.san ? [`subjectAltName=${id.san.join(",")}`] : []),
    ].join("\n");
    await writeFile(join(dir, `${id.file}.ext`), `${ext}\n`);
    openssl(["genrsa", "-out", `${id.file}.key`, "2048"], dir);
    openssl(
      ["req", "-new", "-key", `${id.file}.key`, "-subj", subject, "-out", `${id.file}.csr`],
      dir,
    );
    openssl(
      [
        "x509",
        "-req",
        "-in",
        `${id.file}.csr`,
        "-CA",
        `${ca}.crt`,
        "-CAkey",
        `${ca}.key`,
        "-CAcreateserial",
        "-days",
        "3650",
        "-extfile",
        `${id.file}.ext`,
        "-out",
        `${id.file}.crt`,
      ],
      dir,
    );
  }
}
