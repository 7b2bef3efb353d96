import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "@qs/core";
import { addonNames, orUndefined } from "@qs/kube";
import { startCommandsHarness, type CommandsHarness } from "../../../../test/e2e/commands/harness.ts";
import { script } from "../../../../test/e2e/deploy/harness.ts";

// `ssh qs templates` and `ssh qs apps:create NAME --template X` end to end (the real
// OpenSSH client, the command layer, the kube stores) against the API double.

let t: CommandsHarness;
beforeAll(async () => {
  t = await startCommandsHarness();
}, 120_000);
afterAll(async () => {
  await t.close();
});

describe("templates", () => {
  it("lists every template, one line each", async () => {
    const r = await t.run("templates");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    for (const name of ["uptime-kuma", "gitea", "grafana", "vaultwarden", "n8n"]) {
      expect(lines.filter((l) => l.startsWith(`${name} `))).toHaveLength(1);
    }
    expect(lines.length).toBeGreaterThanOrEqual(12); // header + ≥ 10 templates + hint
    const info = await t.run("templates:info grafana");
    expect(info.stdout).toContain("docker.io/grafana/grafana:11.3.0");
    expect(info.stdout).toContain("GF_SECURITY_ADMIN_PASSWORD (generated)");
    expect(info.stdout).toMatch(/scale:\s+as any app/);
    expect((await t.run("templates:info memos")).stdout).toMatch(/scale:\s+at most 1 replica of each process type: its SQLite database is on the data volume/);
  });
});

describe("apps:create --template", () => {
  it("deploys the pinned image with port, health check, volume, generated secrets and a postgres add-on; secrets are never printed", async () => {
    const app = t.appName("tg");
    const r = await t.run(`apps:create ${app} --template grafana`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Creating postgres 17 add-on postgres");
    expect(r.stdout).toContain("Released v1");
    expect(r.stdout).toContain(`ssh qs apps:config-get ${app} GF_SECURITY_ADMIN_PASSWORD`);

    const made = await t.h.apps.get(app);
    expect(made.spec).toMatchObject({
      webPort: 3000,
      healthCheckPath: "/api/health",
      volumes: [{ name: "data", mountPath: "/var/lib/grafana", size: "1Gi" }],
      addons: [{ name: "postgres", owner: app, as: "GF_DATABASE" }],
    });
    const vars = await t.h.config.get(app);
    expect(vars.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(vars.GF_DATABASE_URL).toMatch(new RegExp(`^postgres://postgres:[^@]+@addon-postgres\\.${appNamespace(app)}\\.svc:5432/postgres$`));
    for (const secret of [vars.GF_SECURITY_ADMIN_PASSWORD, vars.GF_SECURITY_SECRET_KEY, vars.GF_DATABASE_URL]) {
      expect(r.stdout).not.toContain(secret);
    }

    const [release] = await t.h.releases.list(app);
    expect(release?.image).toBe("docker.io/grafana/grafana:11.3.0");
    const deployment = await t.h.apis.deployments.read(appNamespace(app), `${app}-web`);
    const container = deployment.spec?.template.spec?.containers[0];
    expect(container?.ports?.[0]?.containerPort).toBe(3000);
    expect(container?.readinessProbe?.httpGet?.path).toBe("/api/health");
    expect(JSON.stringify(deployment)).not.toContain(vars.GF_SECURITY_ADMIN_PASSWORD ?? "-");

    // Then it is a normal app: config, destroy.
    expect((await t.run(`apps:config-set ${app} GF_USERS_ALLOW_SIGN_UP=false`)).code).toBe(0);
    expect((await t.h.releases.list(app))[0]?.image).toBe("docker.io/grafana/grafana:11.3.0");
    const info = await t.run(`apps:info ${app}`);
    expect(info.code).toBe(0);
  });

  it("--json says what was made, for the API", async () => {
    const app = t.appName("tj");
    const r = await t.run(`apps:create ${app} --template ntfy --json`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: app, template: "ntfy", image: "docker.io/binwiederhier/ntfy:v2.11.0", addons: [], release: 1 });
    expect((await t.h.releases.list(app))[0]?.processes).toEqual({ web: "exec ntfy serve" });
  });

  it("records the template's scale limit: apps:scale and apps:autoscale beyond it are refused, naming the template and why, and change nothing", async () => {
    const app = t.appName("ts");
    expect((await t.run(`apps:create ${app} --template uptime-kuma`)).code).toBe(0);
    const made = await t.h.apps.get(app);
    expect(made.spec.template).toEqual({ name: "uptime-kuma", scaleLimit: { max: 1, reason: expect.stringContaining("SQLite") as string } });

    const scale = await t.run(`apps:scale ${app} web=3`);
    expect(scale.code).not.toBe(0);
    expect(scale.stderr).toContain(`${app} was made from the uptime-kuma template, which allows at most 1 replica of each process type: its SQLite database is on the data volume`);
    expect(scale.stderr).toContain("web=3 refused, nothing was changed");
    expect(scale.stderr).toContain("web=1 or fewer");
    expect((await t.run(`apps:scale ${app} web+1`)).code).not.toBe(0);
    const autoscale = await t.run(`apps:autoscale ${app} web --min 1 --max 4`);
    expect(autoscale.code).not.toBe(0);
    expect(autoscale.stderr).toContain("uptime-kuma template, which allows at most 1 replica");
    expect(autoscale.stderr).toContain("--max 1 or less");
    // The spec is untouched (the resourceVersion is not compared: the reconciler may write
    // the App's status at any time).
    const after = await t.h.apps.get(app);
    expect(after.spec).toEqual(made.spec);
    expect((await t.h.apis.deployments.read(appNamespace(app), `${app}-web`)).spec?.replicas).toBe(1);

    // Within the limit it scales like any app (to 0 and back).
    expect((await t.run(`apps:scale ${app} web=0`)).code).toBe(0);
    expect((await t.h.apps.get(app)).spec.processes.web?.replicas).toBe(0);
    expect((await t.run(`apps:scale ${app} web=1`)).code).toBe(0);
  });

  it("an unknown template is a clear error and makes nothing", async () => {
    const app = t.appName("tu");
    const r = await t.run(`apps:create ${app} --template wordpres`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('there is no app template "wordpres"');
    expect(r.stderr).toContain("uptime-kuma");
    expect(await t.h.apps.exists(app)).toBe(false);
  });

  it("a name clash is refused before anything is made: the existing app keeps its config, no add-on appears", async () => {
    const app = t.appName("tc");
    expect((await t.run(`apps:create ${app}`)).code).toBe(0);
    await t.h.config.update(app, () => ({ KEEP: "me" }));
    const r = await t.run(`apps:create ${app} --template grafana`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("exists already");
    expect(await t.h.config.get(app)).toEqual({ KEEP: "me" });
    expect(await orUndefined(() => t.h.apis.services.read(appNamespace(app), addonNames.object("postgres")))).toBeUndefined();
    expect((await t.h.apps.get(app)).spec.webPort).toBeUndefined();
  });

  it("a release that never becomes ready removes the app and its add-ons again (volumes too), and says so", async () => {
    const app = t.appName("tf");
    script(t.h, "docker.io/grafana/grafana:11.3.0", { imagePullError: true });
    try {
      const r = await t.run(`apps:create ${app} --template grafana`);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toContain("nothing is left behind");
      expect(r.stderr).toContain("did not become ready");
    } finally {
      script(t.h, "docker.io/grafana/grafana:11.3.0", {});
    }
    expect(await t.h.apps.exists(app)).toBe(false);
    expect(await orUndefined(() => t.h.apis.persistentVolumeClaims.read(appNamespace(app), addonNames.pvc("postgres")))).toBeUndefined();
  });
});
