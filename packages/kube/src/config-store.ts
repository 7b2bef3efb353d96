import { type ConfigStore, appNamespace } from "@qs/core";
import { type KubeApis, orUndefined, retryOnConflict } from "./apis.ts";
import type { Secret } from "./rest/wire.ts";
import { ensureConfigSecret, requireAppObject } from "./app-store.ts";
import { configHash } from "./hash.ts";
import { names } from "./labels.ts";

/** Decodes a Secret's data into vars. */
export function secretVars(secret: Secret | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {})) vars[k] = Buffer.from(v, "base64").toString("utf8");
  return vars;
}

/** Encodes vars as Secret data. */
export function secretData(vars: Readonly<Record<string, string>>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const k of Object.keys(vars).sort()) data[k] = Buffer.from(vars[k] ?? "", "utf8").toString("base64");
  return data;
}

async function readConfigSecret(apis: KubeApis, app: string): Promise<Secret> {
  const namespace = appNamespace(app);
  const secret = await orUndefined(() => apis.secrets.read(namespace, names.configSecret(app)));
  if (secret !== undefined) return secret;
  // Missing Secret (deleted by hand): AppNotFoundError if the app is gone, else recreate it.
  return ensureConfigSecret(apis, await requireAppObject(apis, app));
}

/** ConfigStore over one Secret per app; values are never logged. */
export function createConfigStore(apis: KubeApis): ConfigStore {
  return {
    async get(app) {
      return secretVars(await readConfigSecret(apis, app));
    },

    async update(app, mutate) {
      return retryOnConflict(`update config of ${app}`, async () => {
        const secret = await readConfigSecret(apis, app);
        const vars = { ...mutate(secretVars(secret)) };
        // Replace carries the resourceVersion we read: a concurrent writer makes this 409,
        // and the retry re-reads so both edits survive.
        await apis.secrets.replace(appNamespace(app), names.configSecret(app), { ...secret, data: secretData(vars) });
        return { vars, hash: configHash(vars) };
      });
    },
  };
}
