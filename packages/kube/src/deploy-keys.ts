import { appNamespace, kubeName } from "@qs/core";
import { type KubeApis, isNotFound, orUndefined } from "./apis.ts";
import { requireAppObject } from "./app-store.ts";
import { LABEL_COMPONENT, appLabels } from "./labels.ts";
import { ownerReference } from "./render/context.ts";

/** The Secret holding an app's deploy key, owned by the App (deleted with it). */
export const deployKeySecretName = (app: string): string => kubeName(app, "deploy-key");

/** Deploy keys, one Secret per app: the private half never leaves the cluster but for a fetch. */
export interface DeployKeyStore {
  /** Replaces the app's key pair; resolves the Secret's name. */
  save(app: string, pair: { publicKey: string; privateKey: string }): Promise<string>;
  privateKey(app: string): Promise<string | undefined>;
}

/** DeployKeyStore over Secrets in app namespaces. */
export function createDeployKeyStore(apis: KubeApis): DeployKeyStore {
  return {
    async save(app, pair) {
      const obj = await requireAppObject(apis, app);
      const name = deployKeySecretName(app);
      try {
        await apis.secrets.delete(appNamespace(app), name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await apis.secrets.create(appNamespace(app), {
        metadata: {
          name,
          namespace: appNamespace(app),
          labels: appLabels(app, { [LABEL_COMPONENT]: "deploy-key" }),
          ownerReferences: [ownerReference({ app, appUid: obj.metadata.uid ?? "" })],
        },
        type: "kubernetes.io/ssh-auth",
        data: {
          "ssh-privatekey": Buffer.from(pair.privateKey).toString("base64"),
          "ssh-publickey": Buffer.from(pair.publicKey).toString("base64"),
        },
      });
      return name;
    },
    async privateKey(app) {
      const s = await orUndefined(() => apis.secrets.read(appNamespace(app), deployKeySecretName(app)));
      const v = s?.data?.["ssh-privatekey"];
      return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
    },
  };
}
