import * as k8s from "@kubernetes/client-node";
import { installCrds } from "@qs/kube";

/**
 * What scripts/install.sh puts on a cluster before the control plane starts, reduced to
 * what the control plane needs locally: the CRDs, the system and builds namespaces, and
 * the registry push Secret builder pods mount.
 */
export async function prepareCluster(
  kubeconfigPath: string,
  options: { systemNamespace?: string; buildsNamespace?: string; dockerConfigJson?: string } = {},
): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  await installCrds(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await ignoreConflict(core.createNamespace({ body: { metadata: { name: options.systemNamespace ?? "qs-system" } } }));
  await createBuildsNamespace(kc, options.buildsNamespace ?? "qs-builds", options.dockerConfigJson);
}

/**
 * A namespace for builder Jobs with the registry push Secret (`qs-registry-push`) they
 * mount, as the installer makes `qs-builds`. Existing objects are left as they are.
 */
export async function createBuildsNamespace(
  kc: k8s.KubeConfig,
  name: string,
  dockerConfigJson = '{"auths":{}}',
): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await ignoreConflict(core.createNamespace({ body: { metadata: { name } } }));
  await ignoreConflict(
    core.createNamespacedSecret({
      namespace: name,
      body: {
        metadata: { name: "qs-registry-push" },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": dockerConfigJson },
      },
    }),
  );
  return name;
}

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
  }
}
