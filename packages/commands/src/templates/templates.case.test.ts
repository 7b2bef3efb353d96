import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADDON_KINDS, ADDON_KIND_INFO, defaultAppSpec, type Release } from "@qs/core";
import {
  QS_API_VERSION,
  buildAddonSecret,
  buildAddonService,
  buildAddonStatefulSet,
  createKubeApis,
  installCrds,
  loadKubeConnection,
  officialImage,
  renderApp,
  renderOptions,
} from "@qs/kube";
import { connect, realCluster, type Target } from "../../../../test/kube-double/harness.ts";
import { loadTemplates, type AppTemplate } from "./catalog.ts";
import { planTemplate } from "./plan.ts";

// Contract: every template's objects — the App, its config Secret, what the reconciler
// renders for its first release (NetworkPolicy, PVCs, Deployment, Service, Ingress) and its
// add-ons (Secret, Service, StatefulSet) — are accepted by the API server with a
// server-side dry run and strict field validation. Against the double in the integration
// run, and against the local real cluster when QS_TEST_KUBECONFIG is set. Nothing is stored.

let target: Target;
let namespace: string;
const catalog = loadTemplates();

beforeAll(async () => {
  target = await connect();
  const apis = createKubeApis(loadKubeConnection(target.kubeconfigPath));
  await installCrds(apis); // the App CRD with webPort
  apis.rest.close();
  namespace = await target.namespace();
}, 120_000);
afterAll(async () => {
  await target.close();
});

const PLURALS: Record<string, string> = {
  App: "apps",
  Secret: "secrets",
  Service: "services",
  PersistentVolumeClaim: "persistentvolumeclaims",
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  Ingress: "ingresses",
  NetworkPolicy: "networkpolicies",
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
  [key: string]: unknown;
}

/** Everything QuickStack would create for an app made from `template`, in `ns`. */
function objectsOf(template: AppTemplate, ns: string): Manifest[] {
  const app = `tpl-${template.name}`.slice(0, 30).replace(/-+$/, "");
  const plan = planTemplate(template, { app, url: `https://${app}.qs.test` });
  const spec = {
    ...defaultAppSpec(),
    ...plan.spec,
    ...(plan.addons.length === 0 ? {} : { addons: plan.addons.map((a) => ({ name: a.name, owner: app, as: a.as })) }),
  };
  const release: Release = {
    app,
    number: 1,
    image: plan.image,
    configHash: "0".repeat(64),
    processes: plan.processes,
    author: "admin",
    description: "Deploy",
    createdAt: "2026-01-01T00:00:00Z",
  };
  const appUid = "6d1f1d1c-6a3e-4b8e-9d55-2f0c1f0b2a11";
  const objects: Manifest[] = [
    { apiVersion: QS_API_VERSION, kind: "App", metadata: { name: app }, spec },
    { apiVersion: "v1", kind: "Secret", metadata: { name: `${app}-config` }, type: "Opaque", stringData: plan.vars },
    ...(renderApp({ app, appUid, spec, release, options: renderOptions({ baseDomain: "qs.test" }) }) as unknown as Manifest[]),
  ];
  for (const a of plan.addons) {
    const input = { owner: app, ownerUid: appUid, name: a.name, kind: a.kind, version: a.version, size: a.size, image: officialImage(a.kind, a.version) };
    objects.push(
      buildAddonSecret(input, "dry-run-only") as unknown as Manifest,
      buildAddonService(input) as unknown as Manifest,
      buildAddonStatefulSet(input) as unknown as Manifest,
    );
  }
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }));
}

/** A server-side dry-run create of `o`; resolves the status and the server's message. */
async function dryRun(o: Manifest): Promise<{ status: number; message: string }> {
  const plural = PLURALS[o.kind];
  if (plural === undefined) throw new Error(`no plural for ${o.kind}`);
  const root = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const path = `${root}/namespaces/${o.metadata.namespace ?? ""}/${plural}?dryRun=All&fieldValidation=Strict`;
  for (let attempt = 0; ; attempt++) {
    const res = await target.raw("POST", path, o);
    // 429 with Retry-After: not processed (a CRD just changed: "storage is (re)initializing").
    if (res.status === 429 && attempt < 20) {
      await new Promise((r) => setTimeout(r, Math.min(Number(res.headers["retry-after"] ?? 1), 5) * 1000));
      continue;
    }
    return { status: res.status, message: res.status < 300 ? "" : String(res.json().message) };
  }
}

describe(`template objects are accepted by the ${realCluster ? "real API server" : "API double"} (dry run, strict)`, () => {
  it.each(catalog.templates.map((t) => t.name))("%s", async (name) => {
    const objects = objectsOf(catalog.get(name), namespace);
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(["App", "Deployment", "Service", "Ingress"]));
    const refused: string[] = [];
    for (const o of objects) {
      const { status, message } = await dryRun(o);
      if (status !== 201) refused.push(`${o.kind}/${o.metadata.name ?? ""}: ${status} ${message}`);
    }
    expect(refused).toEqual([]);
  });

  it.each(ADDON_KINDS.map((k) => k))("the %s add-on's objects (official image) are accepted too", async (kind) => {
    const version = ADDON_KIND_INFO[kind].defaultVersion;
    const input = { owner: "tpl-kinds", ownerUid: "6d1f1d1c-6a3e-4b8e-9d55-2f0c1f0b2a11", name: kind, kind, version, size: "1Gi", image: officialImage(kind, version) };
    const objects = [buildAddonSecret(input, "dry-run-only"), buildAddonService(input), buildAddonStatefulSet(input)] as unknown as Manifest[];
    const refused: string[] = [];
    for (const o of objects) {
      const { status, message } = await dryRun({ ...o, metadata: { ...o.metadata, namespace } });
      if (status !== 201) refused.push(`${o.kind}: ${status} ${message}`);
    }
    expect(refused).toEqual([]);
  });

  it("the dry run really validates: an unknown field and a bad port are refused", async () => {
    const [appObject] = objectsOf(catalog.get("gotify"), namespace);
    const spec = (appObject?.spec ?? {}) as Record<string, unknown>;
    const unknown = await dryRun({ ...(appObject as Manifest), spec: { ...spec, webPorts: 8080 } });
    expect(unknown.status).toBe(400);
    expect(unknown.message).toContain("webPorts");
    const low = await dryRun({ ...(appObject as Manifest), spec: { ...spec, webPort: 80 } });
    expect(low.status).toBe(422);
    expect(low.message).toContain("webPort");
  });
});
