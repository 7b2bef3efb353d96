import { ConflictError, NotFoundError, type Release, appNamespace } from "@qs/core";
import { type KubeApis, isConflict, orUndefined } from "./apis.ts";
import { secretData, secretVars } from "./config-store.ts";
import { configHash } from "./hash.ts";
import type { Secret } from "./rest/wire.ts";
import { LABEL_APP, LABEL_COMPONENT, QS_API_VERSION, appLabels, names } from "./labels.ts";
import {
  type ReleaseObject,
  type ReleaseObjectStatus,
  newReleaseObject,
  releaseObjects,
  nextReleaseNumber,
  sortNewestFirst,
  toRelease,
} from "./resources/release-object.ts";

/** What a new release is made of; the store assigns number and creation time. */
export type ReleaseDraft = Omit<Release, "number" | "createdAt" | "configHash" | "releasePhase" | "app">;

/** Releases as immutable Release objects, each with an immutable Secret of its config. */
export interface ReleaseStore {
  list(app: string): Promise<Release[]>;
  get(app: string, number: number): Promise<Release>;
  /** Numbers the release v<max+1>; racing creators get distinct numbers (create-by-name). */
  create(app: string, appUid: string, draft: ReleaseDraft, vars: Readonly<Record<string, string>>): Promise<Release>;
  /** The config vars release `number` was made with. */
  vars(app: string, number: number): Promise<Record<string, string>>;
  /** Updates status only: the spec of a release never changes. */
  setStatus(app: string, number: number, status: ReleaseObjectStatus): Promise<void>;
}

/** Creates the ReleaseStore. */
export function createReleaseStore(apis: KubeApis): ReleaseStore {
  const read = (app: string, number: number): Promise<ReleaseObject | undefined> =>
    orUndefined(() => releaseObjects(apis).read(appNamespace(app), names.releaseObject(app, number)));

  const list = async (app: string): Promise<Release[]> => {
    const result = await releaseObjects(apis).list(appNamespace(app), { labelSelector: `${LABEL_APP}=${app}` });
    return sortNewestFirst(result.items.map(toRelease));
  };

  return {
    list,

    async get(app, number) {
      const obj = await read(app, number);
      if (obj === undefined) {
        throw new NotFoundError("RELEASE_NOT_FOUND", `${app} has no release v${number}`, {
          hint: `list releases with: ssh qs apps:releases ${app}`,
        });
      }
      return toRelease(obj);
    },

    async create(app, appUid, draft, vars) {
      const namespace = appNamespace(app);
      let number = nextReleaseNumber((await list(app)).map((r) => r.number));
      for (let attempt = 0; ; attempt++) {
        const release: Release = { ...draft, app, number, configHash: configHash(vars), createdAt: new Date().toISOString() };
        let created: ReleaseObject;
        try {
          created = await releaseObjects(apis).create(namespace, newReleaseObject(release, namespace, appUid));
        } catch (err) {
          // The name <app>-v<N> is the lock: AlreadyExists means someone took N first.
          if (!isConflict(err) || attempt > 50) throw err;
          number++;
          continue;
        }
        await createEnvSecret(apis, release, created.metadata.uid ?? "", vars);
        return toRelease(created);
      }
    },

    async vars(app, number) {
      const secret = await orUndefined(() =>
        apis.secrets.read(appNamespace(app), names.releaseEnvSecret(app, number)),
      );
      if (secret === undefined) {
        throw new NotFoundError("RELEASE_CONFIG_NOT_FOUND", `the config of ${app} v${number} is gone`, {
          hint: "roll back to a newer release",
        });
      }
      return secretVars(secret);
    },

    async setStatus(app, number, status) {
      const obj = await read(app, number);
      if (obj === undefined) throw new ConflictError("RELEASE_GONE", `${app} v${number} was deleted`);
      await releaseObjects(apis).replaceStatus(appNamespace(app), obj.metadata.name, { ...obj, status: { ...obj.status, ...status } });
    },
  };
}

/** The immutable config snapshot of a release, owned by its Release object. */
async function createEnvSecret(
  apis: KubeApis,
  release: Release,
  releaseUid: string,
  vars: Readonly<Record<string, string>>,
): Promise<void> {
  const secret: Secret = {
    metadata: {
      name: names.releaseEnvSecret(release.app, release.number),
      namespace: appNamespace(release.app),
      labels: appLabels(release.app, { [LABEL_COMPONENT]: "release-config", "quickstack.dev/release": `v${release.number}` }),
      ownerReferences: [
        { apiVersion: QS_API_VERSION, kind: "Release", name: names.releaseObject(release.app, release.number), uid: releaseUid },
      ],
    },
    type: "Opaque",
    immutable: true,
    data: secretData(vars),
  };
  await apis.secrets.create(appNamespace(release.app), secret);
}
