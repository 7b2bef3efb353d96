import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createKubeApis, installCrds, loadKubeConnection } from "@qs/kube";
import { captureOutput, eventually } from "../e2e/deploy/harness.ts";
import { type RealDeploy, startRealDeploy } from "./deploy-harness.ts";
import { repoRoot } from "./src/layout.ts";

// deploy/'s RBAC on the real API server: the control plane's own ServiceAccount
// (qs-system/quickstack, with a token the API server issues) runs the deploy path — App,
// config Secret, release, rollout, destroy — with no call refused, and is refused what it
// was not granted.

const run = promisify(execFile);
const admin = process.env.QS_TEST_KUBECONFIG ?? "";
const kubectl = async (args: string[]): Promise<string> =>
  (await run("kubectl", ["--kubeconfig", admin, ...args], { timeout: 60_000 })).stdout;
const never = new AbortController().signal;
let d: RealDeploy;
let dir: string;

beforeAll(async () => {
  const apis = createKubeApis(loadKubeConnection(admin));
  await installCrds(apis);
  apis.rest.close();
  await kubectl(["apply", "-f", join(repoRoot, "deploy/base/namespace.yaml")]);
  await kubectl(["apply", "-k", join(repoRoot, "deploy/base/rbac")]);
  const token = (
    await kubectl(["-n", "qs-system", "create", "token", "quickstack", "--duration=1h"])
  ).trim();
  const adminConfig = parse(await readFile(admin, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  };
  const cluster = adminConfig.clusters[0]!.cluster;
  dir = await mkdtemp(join(tmpdir(), "qs-rbac-"));
  const saConfig = join(dir, "control-plane.kubeconfig");
  await writeFile(
    saConfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster }],
      users: [{ name: "quickstack", user: { token } }],
      contexts: [
        { name: "c", context: { cluster: "c", user: "quickstack", namespace: "qs-system" } },
      ],
      "current-context": "c",
    }),
    { mode: 0o600 },
  );
  d = await startRealDeploy(saConfig);
});
afterAll(async () => {
  await d?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the control plane's ServiceAccount on the real API server", () => {
  it("deploys, reconfigures and destroys an app with deploy/'s RBAC and no refused call", async () => {
    const name = await d.newApp();
    const out = captureOutput();
    const v1 = await d.releases.deploy(d.request(name), out, never);
    expect(v1.number).toBe(1);
    expect(out.lines).toContain("=====> Released v1");
    await d.config.update(name, (v) => ({ ...v, GREETING: "rbac" }));
    expect(
      (await d.releases.reconfigure(name, "alice", "Set GREETING", captureOutput()))?.number,
    ).toBe(2);
    expect(
      await eventually(
        async () => ((await d.httpThroughService(name)).includes("hello rbac") ? "ok" : undefined),
        "v2 served",
        60_000,
      ),
    ).toBe("ok");
    await d.apps.destroy(name);
  });

  it("is refused what deploy/ does not grant", async () => {
    const as = ["--as", "system:serviceaccount:qs-system:quickstack"];
    const no = async (...args: string[]) =>
      (
        await kubectl(["auth", "can-i", ...args, ...as]).catch(
          (e: { stdout?: string }) => e.stdout ?? "",
        )
      ).trim();
    expect(await no("delete", "nodes")).toMatch(/^no\b/);
    expect(await no("create", "clusterrolebindings")).toMatch(/^no\b/);
    expect(await no("impersonate", "users")).toMatch(/^no\b/);
    // Secrets only in qs-system and where it bound its role (each app namespace it made).
    expect(await no("get", "secrets", "-n", "kube-system")).toMatch(/^no\b/);
    expect(await no("list", "secrets", "--all-namespaces")).toMatch(/^no\b/);
    expect(await no("list", "secrets", "-n", "qs-system")).toBe("yes");
    // ConfigMaps only in qs-system, for the audit log.
    expect(await no("list", "configmaps", "-n", "kube-system")).toMatch(/^no\b/);
    expect(await no("create", "configmaps", "-n", "qs-system")).toBe("yes");
    // Pods and their logs in qs-builds (builds) and where it bound its role, not kube-system's.
    expect(await no("get", "pods", "--subresource=log", "-n", "kube-system")).toMatch(/^no\b/);
    expect(await no("get", "pods", "--subresource=log", "-n", "qs-system")).toMatch(/^no\b/);
    expect(await no("get", "pods", "--subresource=log", "-n", "qs-builds")).toBe("yes");
    expect(await no("list", "pods", "-n", "kube-system")).toMatch(/^no\b/);
    expect(await no("list", "pods", "--all-namespaces")).toMatch(/^no\b/);
    expect(await no("create", "pods", "--subresource=exec", "-n", "kube-system")).toMatch(/^no\b/);
    expect(await no("list", "pods", "-n", "qs-builds")).toBe("yes");
    expect(await no("list", "pods", "-n", "qs-system")).toBe("yes");
    expect(await no("delete", "pods", "-n", "qs-system")).toMatch(/^no\b/);
    // `bind` for the one role that holds those Secrets rights, and no other.
    expect(await no("bind", "clusterroles/quickstack-app-namespace")).toBe("yes");
    expect(await no("bind", "clusterroles/cluster-admin")).toMatch(/^no\b/);
    expect(await no("bind", "clusterroles/quickstack-control-plane")).toMatch(/^no\b/);
  });

  it("binds its Secrets role in an app namespace as it makes it, and can use it at once", async () => {
    const name = await d.newApp();
    const ns = `qs-app-${name}`;
    const binding = JSON.parse(await kubectl(["-n", ns, "get", "rolebinding", "quickstack-control-plane", "-o", "json"])) as {
      roleRef: { name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.roleRef.name).toBe("quickstack-app-namespace");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "quickstack", namespace: "qs-system" }]);
    // newApp's create wrote the config Secret as the ServiceAccount right after binding.
    expect(await kubectl(["-n", ns, "get", "secret", `${name}-config`, "-o", "name"])).toContain(`${name}-config`);
    for (const [verb, subresource] of [["get", "log"], ["create", "exec"], ["delete", ""]] as const) {
      const sub = subresource === "" ? [] : [`--subresource=${subresource}`];
      const can = await kubectl(["auth", "can-i", verb, "pods", ...sub, "-n", ns, "--as", "system:serviceaccount:qs-system:quickstack"]);
      expect(can.trim(), `${verb} pods ${subresource}`).toBe("yes");
    }
    await d.apps.destroy(name);
  });
});
