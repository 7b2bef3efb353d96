import { stringify } from "yaml";

/** A kubeconfig for the double: HTTPS on loopback (CA data inline) and a bearer-token user. */
export function buildKubeconfig(url: string, token: string, options: { namespace?: string; user?: string; caPem?: string } = {}): string {
  const user = options.user ?? "kube-double-admin";
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "kube-double", cluster: { server: url, ...(options.caPem ? { "certificate-authority-data": Buffer.from(options.caPem).toString("base64") } : { "insecure-skip-tls-verify": true }) } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: "kube-double", context: { cluster: "kube-double", user, namespace: options.namespace ?? "default" } }],
    "current-context": "kube-double",
    preferences: {},
  });
}
