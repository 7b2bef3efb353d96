import { randomBytes } from "node:crypto";
import {
  ADDON_KINDS,
  AddonNotFoundError,
  ConflictError,
  DeployFailedError,
  NotFoundError,
  appNamespace,
  type AddonInfo,
  type AddonKind,
  type AddonManager,
} from "@qs/core";
import { type KubeApis, ignoreNotFound, orUndefined } from "../apis.ts";
import { requireAppObject } from "../app-store.ts";
import { LABEL_COMPONENT, LABEL_APP } from "../labels.ts";
import { openRemoteCommand } from "../rest/remote-command.ts";
import type { PersistentVolumeClaim } from "../rest/wire.ts";
import { exitCodeFromStatus, forwardResizes, passStderr, terminalStdout } from "../ops/terminal.ts";
import { addonKinds, officialImage } from "./kinds.ts";
import {
  ANNOTATION_ADDON_SIZE,
  ANNOTATION_ADDON_VERSION,
  ANNOTATION_ROTATED_AT,
  LABEL_ADDON,
  LABEL_ADDON_KIND,
  type StatefulSet,
  addonHost,
  addonNames,
  buildAddonSecret,
  buildAddonService,
  buildAddonStatefulSet,
} from "./render.ts";

/** Options of the add-on manager. */
export interface AddonOptions {
  /**
   * Image per `kind:major` (e.g. `postgres:15`), overriding the pinned official image.
   * @defaultValue {} (official images)
   */
  readonly images?: Readonly<Record<string, string>>;
  /** StorageClass of add-on volumes. @defaultValue the cluster's default */
  readonly storageClass?: string;
  /** How long create/rotate wait for the server to answer. @defaultValue 180000 */
  readonly readyTimeoutMs?: number;
}

/** A password safe in a URL, a SQL literal and a shell word: base64url of 24 random bytes. */
export const generatePassword = (): string => randomBytes(24).toString("base64url");

/** AddonManager over StatefulSets, Secrets and Services in the owner app's namespace. */
export function createAddonManager(apis: KubeApis, options: AddonOptions = {}): AddonManager {
  const sets = apis.custom<StatefulSet>("apps/v1", "statefulsets");
  const imageOf = (kind: AddonKind, version: string): string =>
    options.images?.[`${kind}:${version}`] ?? officialImage(kind, version);

  const infoOf = (owner: string, sts: StatefulSet): AddonInfo => {
    const labels = sts.metadata?.labels ?? {};
    const kind = labels[LABEL_ADDON_KIND] as AddonKind;
    return {
      name: labels[LABEL_ADDON] ?? "",
      owner,
      kind,
      version: sts.metadata?.annotations?.[ANNOTATION_ADDON_VERSION] ?? "",
      size: sts.metadata?.annotations?.[ANNOTATION_ADDON_SIZE] ?? "",
      image: sts.spec?.template.spec?.containers[0]?.image ?? "",
      ready: `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 1}`,
      host: addonHost(owner, labels[LABEL_ADDON] ?? ""),
      port: addonKinds[kind].port,
    };
  };

  const read = async (owner: string, name: string): Promise<StatefulSet> => {
    const sts = await orUndefined(() => sets.read(appNamespace(owner), addonNames.object(name)));
    if (sts?.metadata?.labels?.[LABEL_ADDON] !== name) throw new AddonNotFoundError(owner, name);
    return sts;
  };

  const password = async (owner: string, name: string): Promise<string> => {
    const secret = await orUndefined(() => apis.secrets.read(appNamespace(owner), addonNames.object(name)));
    const b64 = secret?.data?.password;
    if (b64 === undefined) throw new NotFoundError("ADDON_SECRET_MISSING", `add-on ${owner}/${name} has no password Secret`);
    return Buffer.from(b64, "base64").toString("utf8");
  };

  const isRolledOut = (sts: StatefulSet): boolean => {
    const s = sts.status;
    return (
      (s?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 1) &&
      (s?.readyReplicas ?? 0) >= 1 &&
      (s?.updatedReplicas ?? 0) >= 1 &&
      (s?.updateRevision === undefined || s.currentRevision === s.updateRevision)
    );
  };

  const manager: AddonManager = {
    async create(owner, request) {
      const app = await requireAppObject(apis, owner);
      const ns = appNamespace(owner);
      if ((await orUndefined(() => sets.read(ns, addonNames.object(request.name)))) !== undefined) {
        throw new ConflictError("ADDON_EXISTS", `${owner} has an add-on named ${request.name} already`, {
          hint: `pick another name with --name, or see it with: ssh qs addons:info ${owner} ${request.name}`,
        });
      }
      const kept = await orUndefined(() => apis.persistentVolumeClaims.read(ns, addonNames.pvc(request.name)));
      const keptKind = kept?.metadata?.labels?.[LABEL_ADDON_KIND];
      if (kept !== undefined && keptKind !== request.kind) {
        // A kept volume of another kind would be mounted as this one's data: refuse.
        throw new ConflictError(
          "ADDON_VOLUME_EXISTS",
          `${owner} keeps the volume of a destroyed ${keptKind ?? "unknown"} add-on named ${request.name}`,
          { hint: `pick another name with --name, or delete it: ssh qs addons:destroy ${owner} ${request.name} --purge --confirm ${request.name}` },
        );
      }
      const input = {
        owner,
        ownerUid: app.metadata.uid ?? "",
        name: request.name,
        kind: request.kind,
        version: request.version,
        size: request.size,
        image: imageOf(request.kind, request.version),
        ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
      };
      // A Secret kept from a half-done create is replaced: nobody has its password yet.
      await ignoreNotFound(() => apis.secrets.delete(ns, addonNames.object(request.name)));
      await apis.secrets.create(ns, buildAddonSecret(input, generatePassword()));
      await ignoreNotFound(() => apis.services.delete(ns, addonNames.object(request.name)));
      await apis.services.create(ns, buildAddonService(input));
      return infoOf(owner, await sets.create(ns, buildAddonStatefulSet(input)));
    },

    async list(owner) {
      const list = await sets.list(appNamespace(owner), {
        labelSelector: `${LABEL_APP}=${owner},${LABEL_COMPONENT}=addon`,
      });
      return list.items
        .filter((s) => (ADDON_KINDS as readonly string[]).includes(s.metadata?.labels?.[LABEL_ADDON_KIND] ?? ""))
        .map((s) => infoOf(owner, s))
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    async get(owner, name) {
      return infoOf(owner, await read(owner, name));
    },

    async url(owner, name) {
      const sts = await read(owner, name);
      const kind = infoOf(owner, sts).kind;
      return addonKinds[kind].url(addonHost(owner, name), await password(owner, name));
    },

    async waitReady(owner, name, timeoutMs = options.readyTimeoutMs ?? 180_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const sts = await read(owner, name);
        if (isRolledOut(sts)) return;
        if (Date.now() > deadline) {
          throw new DeployFailedError(`add-on ${owner}/${name} is not ready after ${Math.round(timeoutMs / 1000)} s`, {
            hint: `see its pod with: ssh qs addons:info ${owner} ${name}`,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },

    async rotate(owner, name) {
      const ns = appNamespace(owner);
      const object = addonNames.object(name);
      await read(owner, name);
      const secret = await apis.secrets.read(ns, object);
      await apis.secrets.replace(ns, object, {
        ...secret,
        data: { ...secret.data, password: Buffer.from(generatePassword()).toString("base64") },
      });
      // A new template annotation rolls the pod: the start script sets the new password.
      await sets.patch(
        ns,
        object,
        { spec: { template: { metadata: { annotations: { [ANNOTATION_ROTATED_AT]: new Date().toISOString() } } } } },
        "merge",
      );
      await manager.waitReady(owner, name);
    },

    async destroy(owner, name, purge) {
      const ns = appNamespace(owner);
      const object = addonNames.object(name);
      await read(owner, name);
      await sets.delete(ns, object, { propagationPolicy: "Background" });
      await ignoreNotFound(() => apis.services.delete(ns, object));
      await ignoreNotFound(() => apis.secrets.delete(ns, object));
      const pvc: PersistentVolumeClaim | undefined = await orUndefined(() =>
        apis.persistentVolumeClaims.read(ns, addonNames.pvc(name)),
      );
      if (pvc === undefined) return {};
      if (purge) {
        await ignoreNotFound(() => apis.persistentVolumeClaims.delete(ns, addonNames.pvc(name)));
        return {};
      }
      return { volumeKept: addonNames.pvc(name) };
    },

    async connect(owner, name, io, signal) {
      const sts = await read(owner, name);
      const kind = infoOf(owner, sts).kind;
      const ns = appNamespace(owner);
      const pod = await orUndefined(() => apis.pods.read(ns, addonNames.pod(name)));
      if (pod?.status?.phase !== "Running") {
        throw new NotFoundError("ADDON_NOT_RUNNING", `add-on ${owner}/${name} has no running pod`, {
          hint: `see its state with: ssh qs addons:info ${owner} ${name}`,
        });
      }
      const tty = io.tty !== undefined;
      const session = await openRemoteCommand(
        apis.rest,
        `${apis.pods.path(ns)}/${encodeURIComponent(addonNames.pod(name))}/exec`,
        { command: [...addonKinds[kind].client], container: kind, stdin: true, stdout: true, stderr: !tty, tty },
        { stdin: io.stdin, stdout: terminalStdout(io), stderr: tty ? null : passStderr(io), tty },
      );
      forwardResizes(session, io);
      const stop = (): void => session.close();
      signal.addEventListener("abort", stop, { once: true });
      try {
        const status = await session.done;
        return status === undefined ? (signal.aborted ? 130 : 1) : exitCodeFromStatus(status);
      } finally {
        signal.removeEventListener("abort", stop);
      }
    },
  };
  return manager;
}
