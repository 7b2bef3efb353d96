import { describe, expect, it } from "vitest";
import { buildDeployment } from "./deployment.ts";
import { renderOptions } from "./options.ts";
import { sampleInput, sampleRelease } from "./testing.ts";

describe("buildDeployment", () => {
  const release = sampleRelease();

  it("runs the web process with PORT, a TCP readiness probe and config only via the Secret", () => {
    const d = buildDeployment(sampleInput(), release, "web");
    const c = d.spec!.template.spec!.containers[0]!;
    expect(d.metadata?.name).toBe("shop-web");
    expect(d.metadata?.namespace).toBe("qs-app-shop");
    expect(d.spec?.replicas).toBe(2);
    expect(c.command).toEqual(["/bin/sh", "-c", "npm start"]);
    expect(c.env).toEqual([{ name: "PORT", value: "5000" }]);
    expect(c.envFrom).toEqual([{ secretRef: { name: "shop-v3-env" } }]);
    expect(c.readinessProbe?.tcpSocket?.port).toBe("http");
    expect(d.spec?.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(d.spec?.progressDeadlineSeconds).toBe(120);
    expect(d.spec?.minReadySeconds).toBe(5);
  });

  it("rolls pods when the release or config hash changes", () => {
    const a = buildDeployment(sampleInput(), release, "web").spec!.template.metadata!;
    const b = buildDeployment(sampleInput(), sampleRelease({ configHash: "b".repeat(64), number: 4 }), "web").spec!
      .template.metadata!;
    expect(a.annotations).toEqual({ "quickstack.dev/release": "3", "quickstack.dev/config-hash": "a".repeat(64) });
    expect(b.annotations?.["quickstack.dev/config-hash"]).toBe("b".repeat(64));
    expect(a.labels?.["quickstack.dev/release"]).toBe("v3");
  });

  it("uses an HTTP readiness probe when a health check path is set, none for workers", () => {
    const web = buildDeployment(sampleInput({ healthCheckPath: "/healthz" }), release, "web");
    expect(web.spec!.template.spec!.containers[0]!.readinessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    const worker = buildDeployment(sampleInput(), release, "worker").spec!.template.spec!.containers[0]!;
    expect(worker.readinessProbe).toBeUndefined();
    expect(worker.env).toEqual([]);
    expect(worker.ports).toEqual([]);
  });

  it("is hardened, spread across nodes, has resources and carries the standard labels", () => {
    const d = buildDeployment(sampleInput({ processes: { web: { replicas: 1, cpu: "200m", memory: "1Gi" } } }), release, "web");
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
    expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(c.securityContext?.capabilities?.drop).toEqual(["ALL"]);
    expect(c.resources).toEqual({ requests: { cpu: "200m", memory: "1Gi" }, limits: { memory: "1Gi" } });
    expect(pod.topologySpreadConstraints?.[0]?.topologyKey).toBe("kubernetes.io/hostname");
    expect(d.metadata?.labels).toMatchObject({
      "app.kubernetes.io/name": "shop",
      "app.kubernetes.io/managed-by": "quickstack",
      "quickstack.dev/app": "shop",
      "quickstack.dev/process": "web",
    });
    expect(d.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "App", name: "shop", uid: "uid-1", controller: true });
    expect(pod.imagePullSecrets).toBeUndefined();
  });

  it("adds the pull secret when registry credentials are configured", () => {
    const input = { ...sampleInput(), options: renderOptions({ registryAuth: { server: "r:5000", username: "u", password: "p" } }) };
    expect(buildDeployment(input, release, "web").spec!.template.spec!.imagePullSecrets).toEqual([{ name: "qs-registry" }]);
  });

  it("mounts volumes and uses Recreate for ReadWriteOnce, only for the processes that mount them", () => {
    const input = sampleInput({ volumes: [{ name: "data", mountPath: "/data", size: "1Gi", processes: ["worker"] }] });
    const worker = buildDeployment(input, release, "worker");
    expect(worker.spec?.strategy).toEqual({ type: "Recreate" });
    expect(worker.spec!.template.spec!.volumes).toEqual([{ name: "data", persistentVolumeClaim: { claimName: "shop-vol-data" } }]);
    expect(worker.spec!.template.spec!.containers[0]!.volumeMounts).toEqual([{ name: "data", mountPath: "/data" }]);
    expect(buildDeployment(input, release, "web").spec?.strategy?.type).toBe("RollingUpdate");
  });

  it("runs the image CMD when the release has no command for the process", () => {
    const d = buildDeployment(sampleInput(), sampleRelease({ processes: {} }), "web");
    expect(d.spec!.template.spec!.containers[0]!.command).toBeUndefined();
  });

  it("never puts a config value into the pod spec", () => {
    const text = JSON.stringify(buildDeployment(sampleInput(), release, "web"));
    expect(text).not.toMatch(/"value":"(?!5000)/);
  });
});
