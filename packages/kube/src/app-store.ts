import {
  type App,
  type AppSpec,
  type AppStore,
  AppNotFoundError,
  ConflictError,
  appNamespace,
  defaultAppSpec,
  parseAppName,
} from "@qs/core";
import { type KubeApis, isConflict, isNotFound, orUndefined, retryOnConflict } from "./apis.ts";
import { LABEL_COMPONENT, appLabels, names } from "./labels.ts";
import { type ControlPlaneAccount, createNamespaceAccess } from "./namespace-access.ts";
import { ownerReference } from "./render/context.ts";
import type { Namespace, Secret } from "./rest/wire.ts";
import { type AppObject, appObjects, newAppObject, normaliseSpec, toApp } from "./resources/app-object.ts";

/** Pod Security admission level of app namespaces: baseline lets ordinary images (root) run. */
const POD_SECURITY = "baseline";

/** Reads the App object of `name`; undefined when it does not exist. */
export async function readAppObject(apis: KubeApis, name: string): Promise<AppObject | undefined> {
  return orUndefined(() => appObjects(apis).read(appNamespace(name), name));
}

/** Reads the App object of `name` or throws AppNotFoundError. */
export async function requireAppObject(apis: KubeApis, name: string): Promise<AppObject> {
  const obj = await readAppObject(apis, name);
  if (obj === undefined) throw new AppNotFoundError(name);
  return obj;
}

/** Read-modify-write of an App's spec, retried on 409; returns the stored object. */
export async function updateAppSpec(
  apis: KubeApis,
  name: string,
  mutate: (spec: AppSpec) => AppSpec,
): Promise<AppObject> {
  return retryOnConflict(`update app ${name}`, async () => {
    const obj = await requireAppObject(apis, name);
    const spec = mutate(normaliseSpec(obj.spec));
    if (JSON.stringify(spec) === JSON.stringify(normaliseSpec(obj.spec))) return obj;
    // status is the reconciler's (a subresource): left out of the body.
    return appObjects(apis).replace(obj.metadata.namespace, name, { ...obj, spec, status: undefined });
  });
}

/**
 * AppStore over App custom resources, one namespace per app. `account` is the control plane's
 * ServiceAccount, bound in each new namespace to the rights it needs there (Secrets).
 */
export function createAppStore(apis: KubeApis, account?: ControlPlaneAccount): AppStore {
  const access = createNamespaceAccess(apis, account);
  return {
    async list(): Promise<readonly App[]> {
      const list = await appObjects(apis).listAll();
      return list.items.map(toApp).sort((a, b) => a.name.localeCompare(b.name));
    },

    async get(name) {
      return toApp(await requireAppObject(apis, name));
    },

    async exists(name) {
      return (await readAppObject(apis, name)) !== undefined;
    },

    async create(input, createdBy, spec = {}) {
      const name = parseAppName(input);
      const namespace = appNamespace(name);
      const exists = new ConflictError("APP_EXISTS", `app "${name}" already exists`, {
        hint: "choose another name, or destroy the old app first",
      });
      const ns: Namespace = {
        metadata: {
          name: namespace,
          labels: {
            ...appLabels(name),
            "pod-security.kubernetes.io/enforce": POD_SECURITY,
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      };
      try {
        await apis.namespaces.create(ns);
      } catch (err) {
        // A namespace left without an App (a create that died half-way) is reused.
        if (!isConflict(err)) throw err;
        if ((await readAppObject(apis, name)) !== undefined) throw exists;
      }
      await access.grant(namespace);
      let created: AppObject;
      try {
        created = await appObjects(apis).create(namespace, newAppObject(name, { ...defaultAppSpec(), ...spec }, createdBy));
      } catch (err) {
        if (isConflict(err)) throw exists;
        throw err;
      }
      await ensureConfigSecret(apis, created);
      return toApp(created);
    },

    async update(name, mutate) {
      return toApp(await updateAppSpec(apis, name, mutate));
    },

    async destroy(name) {
      const namespace = appNamespace(name);
      try {
        await appObjects(apis).delete(namespace, name, { propagationPolicy: "Foreground" });
      } catch (err) {
        if (isNotFound(err)) throw new AppNotFoundError(name);
        throw err;
      }
      try {
        await apis.namespaces.delete(namespace);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

/** Creates the app's (empty) config Secret, owned by the App, unless it exists. */
export async function ensureConfigSecret(apis: KubeApis, app: AppObject): Promise<Secret> {
  const name = app.metadata.name;
  const secret: Secret = {
    metadata: {
      name: names.configSecret(name),
      namespace: app.metadata.namespace,
      labels: appLabels(name, { [LABEL_COMPONENT]: "config" }),
      ownerReferences: [ownerReference({ app: name, appUid: app.metadata.uid ?? "" })],
    },
    type: "Opaque",
    data: {},
  };
  try {
    return await apis.secrets.create(app.metadata.namespace, secret);
  } catch (err) {
    if (!isConflict(err)) throw err;
    return apis.secrets.read(app.metadata.namespace, names.configSecret(name));
  }
}
