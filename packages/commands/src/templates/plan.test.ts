import { describe, expect, it } from "vitest";
import { defaultAppSpec, type Release } from "@qs/core";
import { renderApp, renderOptions } from "@qs/kube";
import { loadTemplates } from "./catalog.ts";
import { planTemplate } from "./plan.ts";

// A template becomes a spec, config with generated secrets, a release's image and
// processes, and add-ons; rendered, the Deployment listens where the image does and
// carries no config value.

const catalog = loadTemplates();
const target = { app: "dash", url: "https://dash.example.com" };

describe("planTemplate", () => {
  it("grafana: port, health check, resources, volume, filled placeholders, fresh secrets, a postgres add-on as GF_DATABASE", () => {
    const grafana = catalog.get("grafana");
    const plan = planTemplate(grafana, target);
    expect(plan.spec).toMatchObject({
      webPort: 3000,
      healthCheckPath: "/api/health",
      processes: { web: { replicas: 1, cpu: "100m", memory: "256Mi" } },
      volumes: [{ name: "data", mountPath: "/var/lib/grafana", size: "1Gi" }],
    });
    expect(plan.vars.GF_SERVER_ROOT_URL).toBe("https://dash.example.com/");
    expect(plan.vars.GF_SERVER_HTTP_PORT).toBe("3000");
    expect(plan.vars.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(plan.vars.GF_SECURITY_ADMIN_PASSWORD).not.toBe(plan.vars.GF_SECURITY_SECRET_KEY);
    expect(planTemplate(grafana, target).vars.GF_SECURITY_ADMIN_PASSWORD).not.toBe(plan.vars.GF_SECURITY_ADMIN_PASSWORD);
    expect(plan.addons).toEqual([{ name: "postgres", kind: "postgres", version: "17", size: "1Gi", as: "GF_DATABASE" }]);
    expect(plan.image).toBe("docker.io/grafana/grafana:11.3.0");
    expect(plan.processes).toEqual({});
    expect(plan.notes[0]).toContain("ssh qs apps:config-get dash GF_SECURITY_ADMIN_PASSWORD");
  });

  it("records the template on the App, with its scale limit when it has one", () => {
    expect(planTemplate(catalog.get("uptime-kuma"), target).spec.template).toEqual({
      name: "uptime-kuma",
      scaleLimit: { max: 1, reason: catalog.get("uptime-kuma").scale?.reason },
    });
    expect(planTemplate(catalog.get("grafana"), target).spec.template).toEqual({ name: "grafana" });
  });

  it("hex secrets, host and tls placeholders, a command as the web process, two add-ons", () => {
    const docmost = planTemplate(catalog.get("docmost"), { app: "wiki", url: "http://wiki.qs.test" });
    expect(docmost.vars.APP_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(docmost.addons.map((a) => `${a.kind}:${a.as}`)).toEqual(["postgres:DATABASE", "redis:REDIS"]);
    const hedgedoc = planTemplate(catalog.get("hedgedoc"), { app: "pad", url: "http://pad.qs.test" });
    expect(hedgedoc.vars).toMatchObject({ CMD_DOMAIN: "pad.qs.test", CMD_PROTOCOL_USESSL: "false" });
    expect(planTemplate(catalog.get("ntfy"), target).processes).toEqual({ web: "exec ntfy serve" });
  });

  it.each(catalog.templates.map((t) => t.name))("%s renders a Deployment on its port with no config value in it", (name) => {
    const template = catalog.get(name);
    const plan = planTemplate(template, target);
    const release: Release = {
      app: "dash",
      number: 1,
      image: plan.image,
      configHash: "0".repeat(64),
      processes: plan.processes,
      author: "admin",
      description: "Deploy",
      createdAt: "2026-01-01T00:00:00Z",
    };
    const objects = renderApp({ app: "dash", appUid: "u", spec: { ...defaultAppSpec(), ...plan.spec }, release, options: renderOptions() });
    const deployment = objects.find((o) => o.kind === "Deployment") as unknown as {
      spec: { template: { spec: { containers: { image: string; ports: { containerPort: number }[]; env: { name: string; value: string }[]; volumeMounts: { mountPath: string }[] }[] } } };
    };
    const container = deployment.spec.template.spec.containers[0];
    expect(container?.image).toBe(plan.image);
    expect(container?.ports[0]?.containerPort).toBe(template.port);
    expect(container?.env).toContainEqual({ name: "PORT", value: String(template.port) });
    expect(container?.volumeMounts.map((m) => m.mountPath)).toEqual((template.volumes ?? []).map((v) => v.mountPath));
    const text = JSON.stringify(objects);
    for (const value of Object.values(plan.vars).filter((v) => v.length >= 20)) expect(text).not.toContain(value);
  });
});
