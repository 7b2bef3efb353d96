import type { Secret } from "../rest/wire.ts";
import { LABEL_COMPONENT, appLabels, names } from "../labels.ts";
import { type RenderInput, namespaceOf, ownerReference } from "./context.ts";
import type { RegistryAuth } from "./options.ts";

/** The image pull Secret (kubernetes.io/dockerconfigjson) for the in-cluster registry. */
export function buildPullSecret(input: RenderInput, auth: RegistryAuth): Secret {
  const token = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
  const config = { auths: { [auth.server]: { username: auth.username, password: auth.password, auth: token } } };
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/dockerconfigjson",
    metadata: {
      name: names.pullSecret(),
      namespace: namespaceOf(input),
      labels: appLabels(input.app, { [LABEL_COMPONENT]: "rendered" }),
      ownerReferences: [ownerReference(input)],
    },
    data: { ".dockerconfigjson": Buffer.from(JSON.stringify(config)).toString("base64") },
  };
}
