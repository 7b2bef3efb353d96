import type { CrdManifest } from "./manifest.ts";
import { QS_GROUP, QS_VERSION } from "../labels.ts";

// A Release is immutable once made: `self == oldSelf` on spec (CEL, enforced by the API
// server) and ReleaseStore refuses updates in code as well. Only status (release phase) changes.

const spec = {
  type: "object",
  required: ["app", "number", "image", "configHash", "processes", "author", "description", "createdAt"],
  "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "a release is immutable" }],
  properties: {
    app: { type: "string", maxLength: 63 },
    number: { type: "integer", minimum: 1 },
    image: { type: "string", minLength: 1 },
    configHash: { type: "string", pattern: "^[0-9a-f]{64}$" },
    processes: { type: "object", additionalProperties: { type: "string" } },
    releaseCommand: { type: "string" },
    gitSha: { type: "string" },
    author: { type: "string" },
    description: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
  },
};

const status = {
  type: "object",
  properties: {
    releasePhase: { type: "string", enum: ["Pending", "Succeeded", "Failed", "NotRequired"] },
    rollout: { type: "string", enum: ["Pending", "Succeeded", "Failed"] },
    message: { type: "string" },
  },
};

/** The Release CustomResourceDefinition (releases.quickstack.dev). */
export function releaseCrd(): CrdManifest {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `releases.${QS_GROUP}` },
    spec: {
      group: QS_GROUP,
      scope: "Namespaced",
      names: { plural: "releases", singular: "release", kind: "Release", listKind: "ReleaseList", shortNames: ["qsrel"] },
      versions: [
        {
          name: QS_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "App", type: "string", jsonPath: ".spec.app" },
            { name: "Number", type: "integer", jsonPath: ".spec.number" },
            { name: "Description", type: "string", jsonPath: ".spec.description" },
            { name: "Phase", type: "string", jsonPath: ".status.releasePhase" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: "An immutable QuickStack release: image, config hash and processes, numbered per app.",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec,
                status,
              },
            },
          },
        },
      ],
    },
  };
}
