import type { PersistentVolumeClaim } from "../rest/wire.ts";
import type { VolumeSpec } from "@qs/core";
import { LABEL_COMPONENT, appLabels, names } from "../labels.ts";
import { type RenderInput, namespaceOf, ownerReference } from "./context.ts";

/** The PersistentVolumeClaim of one app volume. */
export function buildPvc(input: RenderInput, volume: VolumeSpec): PersistentVolumeClaim {
  const { app, options } = input;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: names.pvc(app, volume.name),
      namespace: namespaceOf(input),
      labels: appLabels(app, { "quickstack.dev/volume": volume.name, [LABEL_COMPONENT]: "rendered" }),
      ownerReferences: [ownerReference(input)],
    },
    spec: {
      accessModes: [options.volumeAccessMode],
      resources: { requests: { storage: volume.size } },
      ...(volume.storageClass === undefined ? {} : { storageClassName: volume.storageClass }),
    },
  };
}
