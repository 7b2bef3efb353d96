import { type KubeApis, createKubeApis, installCrds, isConflict, loadKubeConnection } from "@qs/kube";

/**
 * What scripts/install.sh puts on a cluster before the control plane starts, reduced to
 * what the control plane needs locally: the CRDs, the system and builds namespaces, and
 * the registry push Secret builder pods mount.
 */
export async function prepareCluster(
  kubeconfigPath: string,
  options: { systemNamespace?: string; buildsNamespace?: string; dockerConfigJson?: string } = {},
): Promise<void> {
  const apis = createKubeApis(loadKubeConnection(kubeconfigPath));
  try {
    await installCrds(apis);
    await ignoreConflict(apis.namespaces.create({ metadata: { name: options.systemNamespace ?? "qs-system" } }));
    await createBuildsNamespace(apis, options.buildsNamespace ?? "qs-builds", options.dockerConfigJson);
  } finally {
    apis.rest.close();
  }
}

/**
 * A namespace for builder Jobs with the registry push Secret (`qs-registry-push`) they
 * mount, as the installer makes `qs-builds`. Existing objects are left as they are.
 */
export async function createBuildsNamespace(
  apis: KubeApis,
  name: string,
  dockerConfigJson = '{"auths":{}}',
): Promise<string> {
  await ignoreConflict(apis.namespaces.create({ metadata: { name } }));
  await ignoreConflict(
    apis.secrets.create(name, {
      metadata: { name: "qs-registry-push" },
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": dockerConfigJson },
    }),
  );
  return name;
}

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}
