import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateClientKey } from "../../support/ssh.ts";
import { startPlatform, type Platform } from "./harness.ts";
import { createRegistryClient } from "@qs/builder";

// Issue 9: the RBAC in deploy/ must cover every API call the control plane makes. The
// double enforces RBAC for the control plane's ServiceAccount token; deploy/ is applied
// with the real kubectl; then the control plane runs its flows (push, build, release,
// config, scale, domains, volumes, logs, ps, run, enter, users, tokens, audit, nodes,
// rollback, destroy) and the double's record of refused requests must stay empty.
const run = promisify(execFile);
const SERVICE_ACCOUNT = "system:serviceaccount:qs-system:quickstack";

describe("the control plane's flows under deploy/'s RBAC", () => {
  let p: Platform;
  let saKubeconfig = "";
  const denied = () => p.double.denials.filter((d) => d.user === SERVICE_ACCOUNT);

  beforeAll(async () => {
    p = await startPlatform({
      rbac: true,
      prepare: async (double) => {
        await run("kubectl", ["--kubeconfig", double.kubeconfigPath, "apply", "-k", join(import.meta.dirname, "../../../deploy")]);
      },
      kubeconfig: async (double, dir) => {
        const path = join(dir, "control-plane.kubeconfig");
        saKubeconfig = path;
        await writeFile(path, double.kubeconfigFor(double.tokenFor("qs-system", "quickstack"), "qs-system"), { mode: 0o600 });
        return path;
      },
    });
  });
  afterAll(async () => {
    await p?.close();
  });

  it("pushes, builds and deploys with no forbidden call", async () => {
    expect((await p.ssh("apps:create shop")).code).toBe(0);
    await p.commit("Dockerfile", "FROM scratch\n");
    const sha = await p.commit("Procfile", "web: ./server\nrelease: ./migrate\n");
    await p.builderWillSucceed("shop", sha);
    const pushed = await p.push();
    expect(pushed.output).toMatch(/=====> Released v1/);
    expect(pushed.ok).toBe(true);
    expect(denied()).toEqual([]);
  });

  it("runs the operating commands with no forbidden call", async () => {
    const bob = await generateClientKey(p.dir, "ed25519", "bob");
    const commands: [string, string?][] = [
      ["apps:config-set shop FOO=bar"],
      ["apps:config shop --json"],
      ["apps:scale shop web=2"],
      ["apps:domains-add shop shop.example.com"],
      ["apps:volumes-add shop data /data --size 1Gi"],
      ["apps:resources-set shop --cpu 250m --memory 256Mi"],
      ["apps:checks-set shop --path /health"],
      ["apps:ps shop"],
      ["apps:logs shop -n 5"],
      ["apps:restart shop"],
      ["apps:enter shop web true"],
      ["apps:releases shop"],
      ["apps:rollback shop v1"],
      ["apps:builds shop"],
      ["apps:info shop"],
      ["users:add bob --role developer"],
      ["keys:add bob", bob.publicKey],
      ["access:grant shop bob"],
      ["tokens:create ci"],
      ["tokens:list"],
      ["audit"],
      ["nodes:list"],
      ["users:list"],
    ];
    const failures: string[] = [];
    for (const [command, input] of commands) {
      const r = await p.ssh(command, input);
      if (r.code !== 0) failures.push(`${command} → ${r.code.toString()}: ${r.stderr.trim()}`);
    }
    expect(failures).toEqual([]);
    expect(denied()).toEqual([]);
  });

  it("runs a one-off process, then destroys the app, with no forbidden call", async () => {
    // Unscripted containers of the double run forever; this one-off exits at once. (Web
    // pods started from now on would exit too, which no longer matters: the app goes.)
    p.double.script(/\/shop@sha256:/, { logs: ["one-off done"], exitAfterMs: 50 });
    const ran = await p.ssh("apps:run shop true");
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    const destroyed = await p.ssh("apps:destroy shop --confirm shop");
    expect(destroyed.stderr).toBe("");
    expect(destroyed.code).toBe(0);
    expect(denied()).toEqual([]);
    // Its images went with it: the pushes above left some in the real registry.
    expect(destroyed.stdout).toMatch(/^Destroyed shop \([1-9]\d* images? deleted from the registry\)$/m);
    const registry = createRegistryClient({ url: process.env.QS_TEST_REGISTRY_URL! });
    expect(await registry.listImages("shop")).toEqual([]);
  });

  it("is enforced: the same ServiceAccount is refused what deploy/ does not grant", async () => {
    const refused = await run("kubectl", ["--kubeconfig", saKubeconfig, "get", "clusterrolebindings"]).then(
      () => "allowed",
      (err: { stderr: string }) => err.stderr,
    );
    expect(refused).toMatch(/forbidden/i);
    expect(denied()).toEqual([expect.objectContaining({ verb: "list", resource: "rbac.authorization.k8s.io/clusterrolebindings" })]);
  });
});
