import type { CrdManifest } from "./manifest.ts";
import { QS_GROUP, QS_VERSION } from "../labels.ts";

// Structural schema of the App resource: exactly core's AppSpec / AppStatus (packages/core/src/app.ts).
// No x-kubernetes-preserve-unknown-fields anywhere: Kubernetes prunes what we do not declare.

const quantity = { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$" };
const dnsLabel = { type: "string", maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" };

const spec = {
  type: "object",
  required: ["deployBranch", "processes", "domains", "volumes", "builder"],
  properties: {
    deployBranch: { type: "string", minLength: 1, maxLength: 255, default: "main" },
    processes: {
      type: "object",
      description: "Process type → scale and resources.",
      additionalProperties: {
        type: "object",
        required: ["replicas"],
        properties: {
          replicas: { type: "integer", minimum: 0, maximum: 100 },
          cpu: quantity,
          memory: quantity,
          autoscale: {
            type: "object",
            required: ["min", "max"],
            properties: {
              min: { type: "integer", minimum: 1, maximum: 100 },
              max: { type: "integer", minimum: 1, maximum: 100 },
              cpuPercent: { type: "integer", minimum: 1, maximum: 1000 },
              memoryPercent: { type: "integer", minimum: 1, maximum: 1000 },
            },
          },
        },
      },
    },
    domains: {
      type: "array",
      maxItems: 100,
      items: { type: "string", maxLength: 253 },
      "x-kubernetes-list-type": "set",
    },
    volumes: {
      type: "array",
      maxItems: 20,
      items: {
        type: "object",
        required: ["name", "mountPath", "size"],
        properties: {
          name: dnsLabel,
          mountPath: { type: "string", pattern: "^/" },
          size: quantity,
          storageClass: { type: "string" },
          processes: { type: "array", items: { type: "string" } },
        },
      },
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    },
    healthCheckPath: { type: "string", pattern: "^/" },
    webPort: { type: "integer", minimum: 1024, maximum: 65535, description: "Port the web process listens on (app templates)." },
    builder: {
      type: "object",
      required: ["mode"],
      properties: {
        mode: { type: "string", enum: ["auto", "dockerfile"] },
        engine: { type: "string", enum: ["kaniko", "buildkit"] },
        dockerfile: { type: "string" },
      },
    },
    release: { type: "integer", minimum: 1, description: "The release that should be running." },
    previews: {
      type: "object",
      description: "Review apps: pushes of other branches get a preview app.",
      required: ["ttlSeconds", "limit", "addons"],
      properties: {
        ttlSeconds: { type: "integer", minimum: 600, maximum: 31536000 },
        limit: { type: "integer", minimum: 1, maximum: 50 },
        addons: { type: "string", enum: ["none", "fresh", "shared"] },
        configFrom: dnsLabel,
      },
    },
    preview: {
      type: "object",
      description: "Set on a review app: the app and branch it previews.",
      required: ["parent", "branch", "lastPushAt"],
      properties: {
        parent: dnsLabel,
        branch: { type: "string", minLength: 1, maxLength: 255 },
        lastPushAt: { type: "string", format: "date-time" },
      },
    },
    source: {
      type: "object",
      description: "A Git URL QuickStack fetches and deploys from.",
      required: ["url", "branch"],
      properties: {
        url: { type: "string", maxLength: 2048, pattern: "^(https|ssh|file)://" },
        branch: { type: "string", minLength: 1, maxLength: 255 },
        deployKeySecret: dnsLabel,
      },
    },
    addons: {
      type: "array",
      description: "Add-ons the app uses; each sets <as>_URL in its config.",
      maxItems: 20,
      items: {
        type: "object",
        required: ["name", "owner", "as"],
        properties: {
          name: dnsLabel,
          owner: dnsLabel,
          as: { type: "string", pattern: "^[A-Z][A-Z0-9_]*$", maxLength: 60 },
        },
      },
    },
    backupHook: {
      type: "object",
      description: "Pre-backup hook: every backup run first sends GET path to the web Service and backs up only after a 2xx (backups:hook).",
      required: ["path", "timeoutSeconds"],
      properties: {
        // An absolute URL path and query of RFC 3986 characters: no spaces, quotes, backslashes or fragments.
        path: { type: "string", minLength: 1, maxLength: 1024, pattern: "^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$" },
        timeoutSeconds: { type: "integer", minimum: 1, maximum: 600 },
      },
    },
    template: {
      type: "object",
      description: "The app template the app was made from (apps:create --template).",
      required: ["name"],
      properties: {
        name: { type: "string", pattern: "^[a-z][a-z0-9-]{0,28}[a-z0-9]$" },
        scaleLimit: {
          type: "object",
          description: "Most replicas of each process type the template allows, and why.",
          required: ["max", "reason"],
          properties: {
            max: { type: "integer", minimum: 1, maximum: 100 },
            reason: { type: "string", minLength: 1, maxLength: 200 },
          },
        },
      },
    },
  },
};

const condition = {
  type: "object",
  required: ["type", "status", "reason", "message", "lastTransitionTime"],
  properties: {
    type: { type: "string", enum: ["Ready", "Progressing", "Degraded"] },
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    reason: { type: "string" },
    message: { type: "string" },
    lastTransitionTime: { type: "string", format: "date-time" },
  },
};

const status = {
  type: "object",
  properties: {
    observedGeneration: { type: "integer" },
    currentRelease: { type: "integer" },
    ready: { type: "string", description: "Ready/desired pods over all processes, e.g. 3/3." },
    phase: { type: "string", description: "Ready, Progressing, Degraded or Idle." },
    conditions: {
      type: "array",
      items: condition,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    },
    processes: {
      type: "object",
      additionalProperties: {
        type: "object",
        required: ["ready", "desired"],
        properties: { ready: { type: "integer" }, desired: { type: "integer" } },
      },
    },
  },
};

/** The App CustomResourceDefinition (apps.quickstack.dev). */
export function appCrd(): CrdManifest {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `apps.${QS_GROUP}` },
    spec: {
      group: QS_GROUP,
      scope: "Namespaced",
      names: { plural: "apps", singular: "app", kind: "App", listKind: "AppList", shortNames: ["qsapp"] },
      versions: [
        {
          name: QS_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Release", type: "string", jsonPath: ".status.currentRelease", description: "Release serving now" },
            { name: "Ready", type: "string", jsonPath: ".status.ready", description: "Ready/desired pods" },
            { name: "Status", type: "string", jsonPath: ".status.phase" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: "A QuickStack app: its processes, domains and volumes, and the release that should run.",
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
