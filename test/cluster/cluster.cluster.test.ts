import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageName } from "./src/images.ts";
import { kubernetesVersion, net, nodeName } from "./src/layout.ts";

// The local real cluster itself (run by `npm test` after `npm run cluster -- up`, with
// QS_TEST_KUBECONFIG pointing at it): the acceptance checks of the cluster issue.

const run = promisify(execFile);
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const kubectl = async (args: string[], input?: string): Promise<string> => {
  const child = run("kubectl", ["--kubeconfig", kubeconfig, ...args], {
    timeout: 120_000,
    maxBuffer: 8 * 1024 * 1024,
  });
  if (input !== undefined) child.child.stdin?.end(input);
  return (await child).stdout;
};
const busybox = imageName("library/busybox:1.35");
const ns = `cl-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  expect(kubeconfig, "QS_TEST_KUBECONFIG names the local cluster's kubeconfig").not.toBe("");
  await kubectl(["create", "namespace", ns]);
});
afterAll(async () => {
  await kubectl(["delete", "namespace", ns, "--wait=false"]).catch(() => undefined);
});

const restricted = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  runAsUser: 65534,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

describe("the local cluster", () => {
  it("reports the pinned server version and one Ready node", async () => {
    const version = JSON.parse(await kubectl(["version", "-o", "json"])) as {
      serverVersion: { gitVersion: string };
      clientVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toBe(kubernetesVersion);
    expect(version.clientVersion.gitVersion).toBe(kubernetesVersion);
    const nodes = JSON.parse(await kubectl(["get", "nodes", "-o", "json"])) as {
      items: {
        metadata: { name: string };
        status: { conditions: { type: string; status: string }[] };
      }[];
    };
    expect(nodes.items.map((n) => n.metadata.name)).toEqual([nodeName]);
    expect(nodes.items[0]?.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("runs a locally built image (kubectl run) and serves logs and exec", async () => {
    await kubectl([
      "-n",
      ns,
      "run",
      "hello",
      `--image=${busybox}`,
      "--restart=Never",
      "--command",
      "--",
      "sh",
      "-c",
      "echo hello from $(hostname); sleep 3600",
    ]);
    await kubectl(["-n", ns, "wait", "--for=condition=Ready", "pod/hello", "--timeout=90s"]);
    expect(await kubectl(["-n", ns, "get", "pod", "hello", "-o", "jsonpath={.status.phase}"])).toBe(
      "Running",
    );
    expect(await kubectl(["-n", ns, "logs", "hello"])).toContain("hello from hello");
    expect((await kubectl(["-n", ns, "exec", "hello", "--", "id", "-u"])).trim()).toBe("0");
    const ip = await kubectl(["-n", ns, "get", "pod", "hello", "-o", "jsonpath={.status.podIP}"]);
    expect(ip.startsWith("10.42.0.")).toBe(true);
  });

  it("routes a Service to its pod from the host (kube-proxy) and resolves its name in the cluster (CoreDNS)", async () => {
    const manifest = {
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "web", labels: { app: "web" } },
          spec: {
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65534,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "web",
                image: busybox,
                command: [
                  "sh",
                  "-c",
                  "mkdir -p /tmp/www && echo served-by-web > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www",
                ],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                },
              },
            ],
          },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web" },
          spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
        },
      ],
    };
    await kubectl(["-n", ns, "apply", "-f", "-"], JSON.stringify(manifest));
    await kubectl(["-n", ns, "wait", "--for=condition=Ready", "pod/web", "--timeout=90s"]);
    const clusterIp = await kubectl([
      "-n",
      ns,
      "get",
      "svc",
      "web",
      "-o",
      "jsonpath={.spec.clusterIP}",
    ]);
    expect(clusterIp.startsWith("10.43.")).toBe(true);
    let body = "";
    for (let i = 0; i < 40 && !body.includes("served-by-web"); i++) {
      body = await fetch(`http://${clusterIp}/`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.text(),
        () => "",
      );
      if (!body) await new Promise((r) => setTimeout(r, 250));
    }
    expect(body).toContain("served-by-web");
    await kubectl(["-n", ns, "wait", "--for=condition=Ready", "pod/hello", "--timeout=90s"]);
    const fromPod = await kubectl([
      "-n",
      ns,
      "exec",
      "hello",
      "--",
      "wget",
      "-qO-",
      `http://web.${ns}.svc.${net.clusterDomain}/`,
    ]);
    expect(fromPod).toContain("served-by-web");
    const lookup = await kubectl([
      "-n",
      ns,
      "exec",
      "hello",
      "--",
      "nslookup",
      `kubernetes.default.svc.${net.clusterDomain}`,
    ]);
    expect(lookup).toContain(net.kubernetesServiceIp);
  });

  it("enforces PodSecurity admission on a restricted namespace", async () => {
    const strict = `${ns}-ps`;
    await kubectl(["create", "namespace", strict]);
    try {
      await kubectl([
        "label",
        "namespace",
        strict,
        "pod-security.kubernetes.io/enforce=restricted",
      ]);
      const privileged = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: {
          containers: [{ name: "c", image: busybox, securityContext: { privileged: true } }],
        },
      };
      const err = await kubectl(
        ["-n", strict, "apply", "-f", "-"],
        JSON.stringify(privileged),
      ).catch((e: { stderr?: string }) => e.stderr ?? "");
      expect(err).toContain('violates PodSecurity "restricted:latest"');
      const ok = {
        ...privileged,
        spec: {
          containers: [
            { name: "c", image: busybox, command: ["sleep", "1"], securityContext: restricted },
          ],
        },
      };
      await kubectl(["-n", strict, "apply", "-f", "-"], JSON.stringify(ok));
    } finally {
      await kubectl(["delete", "namespace", strict, "--wait=false"]);
    }
  });

  it("has RBAC and Node authorization on: a plain service account and the node are refused what they were not granted", async () => {
    await kubectl(["-n", ns, "create", "serviceaccount", "nobody"]);
    const sa = `system:serviceaccount:${ns}:nobody`;
    expect(
      (
        await kubectl(["auth", "can-i", "list", "secrets", "-n", ns, "--as", sa]).catch(
          (e: { stdout?: string }) => e.stdout ?? "",
        )
      ).trim(),
    ).toMatch(/^no\b/);
    const node = ["--as", `system:node:${nodeName}`, "--as-group", "system:nodes"];
    expect(
      (
        await kubectl(["auth", "can-i", "list", "secrets", "-A", ...node]).catch(
          (e: { stdout?: string }) => e.stdout ?? "",
        )
      ).trim(),
    ).toMatch(/^no\b/);
    expect((await kubectl(["auth", "can-i", "get", `nodes/${nodeName}`, ...node])).trim()).toBe(
      "yes",
    );
  });
});
