/** A JSON-schema node in wire form (`x-kubernetes-*` keys as the API server spells them). */
export type SchemaNode = { readonly type: string } & Readonly<Record<string, unknown>>;

/**
 * A CustomResourceDefinition in wire form, as written to deploy/crds/*.yaml. Not client-node's
 * model type: the models rename `x-kubernetes-validations` to `x_kubernetes_validations`.
 */
export interface CrdManifest {
  readonly apiVersion: "apiextensions.k8s.io/v1";
  readonly kind: "CustomResourceDefinition";
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly scope: "Namespaced" | "Cluster";
    readonly names: Readonly<Record<string, unknown>>;
    readonly versions: readonly {
      readonly name: string;
      readonly served: boolean;
      readonly storage: boolean;
      readonly subresources: Readonly<Record<string, unknown>>;
      readonly additionalPrinterColumns: readonly { name: string; type: string; jsonPath: string; description?: string }[];
      readonly schema: { readonly openAPIV3Schema: SchemaNode & { readonly properties: Readonly<Record<string, SchemaNode>> } };
    }[];
  };
}
