import type { KubeApi, Validator } from "../api.ts";
import { crdSchema } from "../crds.ts";
import { matchesLabelSelector } from "../selectors.ts";
import { invalid, type StatusCause } from "../status.ts";
import type { KubeObject, ResourceType } from "../types.ts";
import { loadBuiltinSchemas, validateBuiltin } from "./builtin.ts";
import { validateCustom, type Schema } from "./crd.ts";
import { checkContainerNames, checkMeta, checkObjectNames } from "./names.ts";

// The validator every write passes through (HTTP and controllers alike): schema (built-in
// or CRD), names, and the few cross-field rules QuickStack's manifests can trip over.

type Selector = Parameters<typeof matchesLabelSelector>[1];
interface Workload {
  selector?: Selector;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Parameters<typeof checkContainerNames>[1] };
}

function workloadCauses(o: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const spec = (o.spec ?? {}) as Workload;
  const causes: StatusCause[] = [];
  const labels = spec.template?.metadata?.labels;
  causes.push(...checkMeta("spec.template.metadata", spec.template?.metadata));
  causes.push(...checkContainerNames("spec.template.spec", spec.template?.spec));
  // Jobs get their selector from the server (manualSelector unset), so only check apps/v1.
  if (o.kind !== "Job" && spec.selector) {
    const sel = spec.selector;
    if (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      causes.push({ reason: "FieldValueInvalid", message: "Invalid value: {}: empty selector is invalid for deployment", field: "spec.selector" });
    } else if (!matchesLabelSelector(labels, sel)) {
      causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(labels ?? {})}: \`selector\` does not match template \`labels\``, field: "spec.template.metadata.labels" });
    }
    const before = (old?.spec as Workload | undefined)?.selector;
    if (old && JSON.stringify(before) !== JSON.stringify(sel)) {
      causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(sel)}: field is immutable`, field: "spec.selector" });
    }
  }
  return causes;
}

function kindCauses(t: ResourceType, o: KubeObject, old: KubeObject | undefined): StatusCause[] {
  switch (o.kind) {
    case "Deployment":
    case "ReplicaSet":
    case "StatefulSet":
    case "DaemonSet":
    case "Job":
      return workloadCauses(o, old);
    case "Pod":
      return checkContainerNames("spec", o.spec as Parameters<typeof checkContainerNames>[1]);
    case "CustomResourceDefinition": {
      const spec = o.spec as { group?: string; names?: { plural?: string } } | undefined;
      const want = `${spec?.names?.plural ?? ""}.${spec?.group ?? ""}`;
      return o.metadata.name === want ? [] : [{ reason: "FieldValueInvalid", message: `Invalid value: "${o.metadata.name}": must be spec.names.plural+"."+spec.group`, field: "metadata.name" }];
    }
    default:
      void t;
      return [];
  }
}

/** Builds the validator and loads the compiled schemas it needs. */
export async function createValidator(api: KubeApi): Promise<Validator> {
  await loadBuiltinSchemas(api.registry.types());
  const crdType = api.registry.builtin("CustomResourceDefinition");
  return (t, o, old, ctx) => {
    let causes: StatusCause[];
    if (t.crd) {
      const crd = api.find(crdType, undefined, t.crd);
      const schema = crd ? (crdSchema(crd, t.version) as Schema | undefined) : undefined;
      causes = validateCustom(t, o, schema, ctx.strict, ctx.warnings);
    } else causes = validateBuiltin(t, o, ctx.strict, ctx.warnings);
    causes = [...checkObjectNames(t, o), ...causes, ...kindCauses(t, o, old)];
    if (causes.length > 0) throw invalid(t, o.metadata.name, causes);
  };
}
