import type { KubeApi } from "./api.ts";
import type { KubeObject } from "./types.ts";

// The environment a container sees: env (value, secretKeyRef, configMapKeyRef, fieldRef)
// and envFrom (secretRef, configMapRef with prefix), resolved from the stored objects the
// way the kubelet does, plus the variables every container gets.

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}
interface EnvFrom {
  prefix?: string;
  secretRef?: { name: string; optional?: boolean };
  configMapRef?: { name: string; optional?: boolean };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: EnvFrom[];
}

/** Resolves the environment of `container` in `pod`; missing non-optional refs throw. */
export function containerEnv(api: KubeApi, pod: KubeObject, container: string, podIP: string): Record<string, string> {
  const spec = pod.spec as { containers: Container[]; initContainers?: Container[] };
  const c = [...spec.containers, ...(spec.initContainers ?? [])].find((x) => x.name === container);
  const ns = pod.metadata.namespace;
  const secret = (name: string): Record<string, string> | undefined => {
    const s = api.find(api.registry.builtin("Secret"), ns, name);
    if (!s) return undefined;
    const data = (s.data ?? {}) as Record<string, string>;
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
  };
  const configMap = (name: string): Record<string, string> | undefined => {
    const m = api.find(api.registry.builtin("ConfigMap"), ns, name);
    return m ? ((m.data ?? {}) as Record<string, string>) : undefined;
  };
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOSTNAME: pod.metadata.name,
    KUBERNETES_SERVICE_HOST: "10.43.0.1",
    KUBERNETES_SERVICE_PORT: "443",
  };
  for (const from of c?.envFrom ?? []) {
    const src = from.secretRef ? secret(from.secretRef.name) : from.configMapRef ? configMap(from.configMapRef.name) : undefined;
    const ref = from.secretRef ?? from.configMapRef;
    if (!src && ref && !ref.optional) throw new Error(`${from.secretRef ? "secret" : "configmap"} "${ref.name}" not found`);
    for (const [k, v] of Object.entries(src ?? {})) env[`${from.prefix ?? ""}${k}`] = v;
  }
  for (const e of c?.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => env[n] ?? m);
      continue;
    }
    const vf = e.valueFrom;
    if (vf?.secretKeyRef) {
      const v = secret(vf.secretKeyRef.name)?.[vf.secretKeyRef.key];
      if (v === undefined && !vf.secretKeyRef.optional) throw new Error(`couldn't find key ${vf.secretKeyRef.key} in Secret ${ns ?? ""}/${vf.secretKeyRef.name}`);
      if (v !== undefined) env[e.name] = v;
    } else if (vf?.configMapKeyRef) {
      const v = configMap(vf.configMapKeyRef.name)?.[vf.configMapKeyRef.key];
      if (v === undefined && !vf.configMapKeyRef.optional) throw new Error(`couldn't find key ${vf.configMapKeyRef.key} in ConfigMap ${ns ?? ""}/${vf.configMapKeyRef.name}`);
      if (v !== undefined) env[e.name] = v;
    } else if (vf?.fieldRef) {
      const fields: Record<string, string | undefined> = {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": ns,
        "metadata.uid": pod.metadata.uid,
        "spec.nodeName": (pod.spec as { nodeName?: string }).nodeName,
        "spec.serviceAccountName": (pod.spec as { serviceAccountName?: string }).serviceAccountName ?? "default",
        "status.podIP": podIP,
      };
      const label = /^metadata\.labels\['(.+)'\]$/.exec(vf.fieldRef.fieldPath);
      env[e.name] = label ? (pod.metadata.labels?.[label[1]!] ?? "") : (fields[vf.fieldRef.fieldPath] ?? "");
    }
  }
  return env;
}
