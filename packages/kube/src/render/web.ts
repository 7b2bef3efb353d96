import { defaultHost } from "@qs/core";
import type { Ingress, Service } from "../rest/wire.ts";
import { LABEL_APP, LABEL_COMPONENT, LABEL_PROCESS, appLabels, names } from "../labels.ts";
import { type RenderInput, namespaceOf, ownerReference } from "./context.ts";

/** The ClusterIP Service in front of the web pods (port 80 → PORT). */
export function buildService(input: RenderInput): Service {
  const { app } = input;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: names.service(app),
      namespace: namespaceOf(input),
      labels: appLabels(app, { [LABEL_PROCESS]: "web", [LABEL_COMPONENT]: "rendered" }),
      ownerReferences: [ownerReference(input)],
    },
    spec: {
      type: "ClusterIP",
      selector: { [LABEL_APP]: app, [LABEL_PROCESS]: "web" },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/**
 * Every host the app answers on: the default host first (`<app>.<baseDomain>`, for a preview
 * `<branch>.<parent>.<baseDomain>`), then custom domains.
 */
export function appHosts(input: RenderInput): string[] {
  const hosts = [defaultHost(input.app, input.spec, input.options.baseDomain), ...input.spec.domains.map((d) => d.toLowerCase())];
  return [...new Set(hosts)];
}

/** One Ingress (Traefik) for all hosts, with a cert-manager certificate in one TLS Secret. */
export function buildIngress(input: RenderInput): Ingress {
  const { app, options } = input;
  const hosts = appHosts(input);
  const tls = options.clusterIssuer !== undefined;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: names.ingress(app),
      namespace: namespaceOf(input),
      labels: appLabels(app, { [LABEL_PROCESS]: "web", [LABEL_COMPONENT]: "rendered" }),
      annotations: tls ? { "cert-manager.io/cluster-issuer": options.clusterIssuer } : {},
      ownerReferences: [ownerReference(input)],
    },
    spec: {
      ingressClassName: options.ingressClassName,
      rules: hosts.map((host) => ({
        host,
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: names.service(app), port: { name: "http" } } },
            },
          ],
        },
      })),
      ...(tls ? { tls: [{ hosts, secretName: names.tlsSecret(app) }] } : {}),
    },
  };
}
