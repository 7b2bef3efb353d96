import { describe, expect, it } from "vitest";
import { renderApp } from "./app.ts";
import { buildNetworkPolicy } from "./network-policy.ts";
import { buildReleaseJob } from "./release-job.ts";
import { buildPvc } from "./volumes.ts";
import { appHosts, buildIngress, buildService } from "./web.ts";
import { sampleInput, sampleRelease } from "./testing.ts";

const kinds = (input = sampleInput()) => renderApp(input).map((o) => `${o.kind}/${o.metadata?.name}`);

describe("renderApp", () => {
  it("renders a Deployment per process type, Service and Ingress for web, and the NetworkPolicy", () => {
    expect(kinds().sort()).toEqual(
      ["Deployment/shop-web", "Deployment/shop-worker", "Ingress/shop", "NetworkPolicy/shop-isolation", "Service/shop-web"].sort(),
    );
  });

  it("renders no Deployments before the first release, and no Service without web", () => {
    expect(kinds({ ...sampleInput(), release: undefined })).toEqual(["NetworkPolicy/shop-isolation"]);
    expect(kinds(sampleInput({}, sampleRelease({ processes: { worker: "w" } }))).sort()).toEqual(
      ["Deployment/shop-worker", "NetworkPolicy/shop-isolation"],
    );
  });

  it("treats a release without processes as the image CMD running as web", () => {
    expect(kinds(sampleInput({}, sampleRelease({ processes: {} })))).toContain("Deployment/shop-web");
  });

  it("labels every object as rendered and owned by the App", () => {
    for (const o of renderApp(sampleInput({ volumes: [{ name: "d", mountPath: "/d", size: "1Gi" }] }))) {
      expect(o.metadata?.labels?.["app.kubernetes.io/component"]).toBe("rendered");
      expect(o.metadata?.ownerReferences?.[0]?.uid).toBe("uid-1");
    }
  });
});

describe("web objects", () => {
  it("routes the default and custom domains through Traefik with a cert-manager certificate", () => {
    const input = sampleInput({ domains: ["shop.example.com", "Shop.Example.com", "www.shop.example.com"] });
    expect(appHosts(input)).toEqual(["shop.example.net", "shop.example.com", "www.shop.example.com"]);
    const ing = buildIngress(input);
    expect(ing.spec?.ingressClassName).toBe("traefik");
    expect(ing.metadata?.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
    expect(ing.spec?.rules?.map((r) => r.host)).toEqual(appHosts(input));
    expect(ing.spec?.tls).toEqual([{ hosts: appHosts(input), secretName: "shop-tls" }]);
    expect(ing.spec?.rules?.[0]?.http?.paths[0]?.backend.service).toEqual({ name: "shop-web", port: { name: "http" } });
  });

  it("serves a preview at <branch>.<parent>.<base domain>", () => {
    const preview = { parent: "shop", branch: "feature/login", lastPushAt: "2026-01-01T00:00:00Z" };
    const input = { ...sampleInput({ preview }), app: "shop--feature-login" };
    expect(appHosts(input)).toEqual(["feature-login.shop.example.net"]);
    expect(buildIngress(input).spec?.rules?.map((r) => r.host)).toEqual(["feature-login.shop.example.net"]);
  });

  it("omits TLS when no cluster issuer is configured", () => {
    const input = { ...sampleInput(), options: { ...sampleInput().options, clusterIssuer: undefined } };
    expect(buildIngress(input).spec?.tls).toBeUndefined();
  });

  it("points the Service at web pods on the named port", () => {
    const svc = buildService(sampleInput());
    expect(svc.spec?.selector).toEqual({ "quickstack.dev/app": "shop", "quickstack.dev/process": "web" });
    expect(svc.spec?.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
  });
});

describe("other objects", () => {
  it("claims volumes with the configured access mode and storage class", () => {
    const pvc = buildPvc(sampleInput(), { name: "data", mountPath: "/data", size: "5Gi", storageClass: "longhorn" });
    expect(pvc.metadata?.name).toBe("shop-vol-data");
    expect(pvc.spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } }, storageClassName: "longhorn" });
  });

  it("keeps app pods away from qs-system and lets the ingress controller in", () => {
    const np = buildNetworkPolicy(sampleInput());
    expect(np.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(JSON.stringify(np.spec?.egress)).toContain('"operator":"NotIn","values":["qs-system"]');
    expect(np.spec?.egress?.[1]?.to?.[0]?.ipBlock?.except).toEqual(["10.42.0.0/16", "10.43.0.0/16"]);
    expect(np.spec?.ingress?.[0]?.from?.[0]?.namespaceSelector?.matchLabels).toEqual({ "kubernetes.io/metadata.name": "kube-system" });
  });

  it("runs the release command once with the new image and the release's config", () => {
    const job = buildReleaseJob(sampleInput(), sampleRelease({ releaseCommand: "npm run migrate" }));
    const pod = job.spec!.template.spec!;
    expect(job.metadata?.name).toBe("shop-release-v3");
    expect(job.spec?.backoffLimit).toBe(0);
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.containers[0]?.command).toEqual(["/bin/sh", "-c", "npm run migrate"]);
    expect(pod.containers[0]?.image).toBe("registry.local/shop@sha256:abc");
    expect(pod.containers[0]?.envFrom).toEqual([{ secretRef: { name: "shop-v3-env" } }]);
  });
});
