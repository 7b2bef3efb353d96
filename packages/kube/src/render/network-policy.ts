import type { NetworkPolicy } from "../rest/wire.ts";
import { LABEL_COMPONENT, LABEL_MANAGED_BY, MANAGED_BY, appLabels, names } from "../labels.ts";
import { type RenderInput, namespaceOf, ownerReference } from "./context.ts";

const NAMESPACE_NAME = "kubernetes.io/metadata.name";

/**
 * Isolates the app's pods: ingress only from the ingress controller and the app's own pods;
 * egress anywhere except the QuickStack system namespace (control plane, Redis, registry).
 * NetworkPolicies only allow, so "everything but qs-system" is a NotIn namespace selector
 * plus the internet as an ipBlock that excludes the cluster's pod and service ranges.
 */
export function buildNetworkPolicy(input: RenderInput): NetworkPolicy {
  const { app, options } = input;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: names.networkPolicy(app),
      namespace: namespaceOf(input),
      labels: appLabels(app, { [LABEL_COMPONENT]: "rendered" }),
      ownerReferences: [ownerReference(input)],
    },
    spec: {
      podSelector: { matchLabels: { [LABEL_MANAGED_BY]: MANAGED_BY } },
      policyTypes: ["Ingress", "Egress"],
      // client-node models call `from` `from` (a reserved word); the serializer maps it back.
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: options.ingressNamespace } } }] },
        { from: [{ podSelector: {} }] },
      ],
      egress: [
        {
          to: [
            {
              namespaceSelector: {
                matchExpressions: [{ key: NAMESPACE_NAME, operator: "NotIn", values: [options.systemNamespace] }],
              },
            },
          ],
        },
        { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...options.clusterCidrs] } }] },
      ],
    },
  };
}
