import {
  ConflictError,
  LimitExceededError,
  parseMountPath,
  parseQuantity,
  parseStorageClass,
  parseVolumeName,
  type VolumeSpec,
} from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyString, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP NAME PATH [--size 1Gi] [--storage-class CLASS]";
/** Each volume is a PVC and a mount; a dozen is plenty for one app. */
export const MAX_VOLUMES = 10;

/** `apps:volumes-add APP NAME PATH`: a PVC mounted at PATH in every process (rolling restart). */
export const appsVolumesAdd: Command = {
  name: "apps:volumes-add",
  aliases: ["volumes:add"],
  summary: "Add a persistent volume mounted at PATH",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/volumes",
    body: {
      name: { type: "string", description: "Volume name (DNS-1123 label)", required: true },
      path: { type: "string", description: "Absolute mount path", required: true },
      size: { type: "string", description: "Kubernetes quantity, default 1Gi" },
      storageClass: { type: "string", description: "StorageClass, default the cluster's" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i), bodyString(i, "name"), bodyString(i, "path")],
        [...flag("size", optionalString(i, "size")), ...flag("storage-class", optionalString(i, "storageClass"))],
      ),
  },
  async run(ctx) {
    const u = `apps:volumes-add ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        size: { type: "string", description: "Size as a Kubernetes quantity (default 1Gi)" },
        "storage-class": { type: "string", description: "StorageClass name" },
      },
      { usage: u, min: 3, max: 3 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    const volume: VolumeSpec = {
      name: parseVolumeName(positionals[1] ?? ""),
      mountPath: parseMountPath(positionals[2] ?? ""),
      size: parseQuantity(flags.size ?? "1Gi", "storage"),
      ...(flags["storage-class"] === undefined ? {} : { storageClass: parseStorageClass(flags["storage-class"]) }),
    };
    await ctx.services.apps.update(app, (spec) => {
      if (spec.volumes.some((v) => v.name === volume.name)) {
        throw new ConflictError("VOLUME_EXISTS", `${app} has a volume named ${volume.name} already`);
      }
      const clash = spec.volumes.find(
        (v) => v.mountPath === volume.mountPath || v.mountPath.startsWith(`${volume.mountPath}/`) || volume.mountPath.startsWith(`${v.mountPath}/`),
      );
      if (clash !== undefined) {
        throw new ConflictError("MOUNT_PATH_TAKEN", `${volume.mountPath} overlaps volume ${clash.name} at ${clash.mountPath}`);
      }
      if (spec.volumes.length >= MAX_VOLUMES) {
        throw new LimitExceededError("VOLUME_LIMIT", `${app} has ${MAX_VOLUMES} volumes, the limit`);
      }
      return { ...spec, volumes: [...spec.volumes, volume] };
    });
    return {
      json: { app, volume },
      text: `Added volume ${volume.name} (${volume.size}) at ${volume.mountPath} to ${app}`,
    };
  },
};
