import { randomBytes } from "node:crypto";
import { appNamespace, kubeName } from "@qs/core";
import { type KubeApis, isNotFound, orUndefined } from "./apis.ts";
import { requireAppObject } from "./app-store.ts";
import { LABEL_COMPONENT, appLabels } from "./labels.ts";
import { ownerReference } from "./render/context.ts";

/** The Secret holding an app's webhook secret, owned by the App (deleted with it). */
export const webhookSecretName = (app: string): string => kubeName(app, "webhook");

/** Webhook secrets, one Secret per app; the value is never logged. */
export interface WebhookSecretStore {
  get(app: string): Promise<string | undefined>;
  /** The current secret, made when there is none or when `rotate`. */
  ensure(app: string, rotate: boolean): Promise<string>;
}

/** WebhookSecretStore over Secrets in app namespaces. */
export function createWebhookSecretStore(apis: KubeApis): WebhookSecretStore {
  const read = async (app: string): Promise<string | undefined> => {
    const s = await orUndefined(() => apis.secrets.read(appNamespace(app), webhookSecretName(app)));
    const v = s?.data?.secret;
    return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
  };
  return {
    get: read,
    async ensure(app, rotate) {
      const current = await read(app);
      if (current !== undefined && !rotate) return current;
      const obj = await requireAppObject(apis, app);
      // 32 random bytes: HMAC-SHA256 keys gain nothing from more.
      const value = randomBytes(32).toString("base64url");
      const secret = {
        metadata: {
          name: webhookSecretName(app),
          namespace: appNamespace(app),
          labels: appLabels(app, { [LABEL_COMPONENT]: "webhook" }),
          ownerReferences: [ownerReference({ app, appUid: obj.metadata.uid ?? "" })],
        },
        type: "Opaque",
        data: { secret: Buffer.from(value).toString("base64") },
      };
      try {
        await apis.secrets.delete(appNamespace(app), webhookSecretName(app));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await apis.secrets.create(appNamespace(app), secret);
      return value;
    },
  };
}
