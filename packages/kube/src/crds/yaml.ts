import { stringify } from "yaml";
import { quickstackCrds } from "./index.ts";

const header = "# Generated from packages/kube/src/crds/*.ts by write-crds.ts — edit there.\n";

/** The exact text of every file in deploy/crds/ (CRDs plus the kustomization listing them). */
export function crdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [file, crd] of quickstackCrds()) files.set(file, header + stringify(crd, { lineWidth: 0 }));
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: [...quickstackCrds().keys()],
  };
  files.set("kustomization.yaml", header + stringify(kustomization));
  return files;
}
