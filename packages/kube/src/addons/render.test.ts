import { describe, expect, it } from "vitest";
import { dumpScript, loadScript, verifyScript } from "../backups/addon-dumps.ts";
import { addonKinds, officialImage } from "./kinds.ts";
import { addonHost, addonNames, buildAddonSecret, buildAddonService, buildAddonStatefulSet } from "./render.ts";

const input = {
  owner: "shop",
  ownerUid: "uid-1",
  name: "postgres",
  kind: "postgres" as const,
  version: "15",
  size: "2Gi",
  image: "registry.qs-system.svc:5000/library/postgres:15",
};

describe("add-on renderers", () => {
  it("render a StatefulSet with a kept volume claim, a real probe and the password only by reference", () => {
    const sts = buildAddonStatefulSet(input);
    expect(sts.metadata?.namespace).toBe("qs-app-shop");
    expect(sts.metadata?.ownerReferences?.[0]?.uid).toBe("uid-1");
    expect(sts.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage).toBe("2Gi");
    expect(sts.spec?.volumeClaimTemplates?.[0]?.spec?.storageClassName).toBeUndefined();
    const c = sts.spec?.template.spec?.containers[0];
    expect(c?.readinessProbe?.exec?.command?.[0]).toBe("pg_isready");
    expect(c?.env).toEqual([{ name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "addon-postgres", key: "password" } } }]);
    expect(JSON.stringify(sts)).not.toContain("s3cret");
    expect(sts.spec?.selector.matchLabels).toEqual(sts.spec?.template.metadata?.labels && { "quickstack.dev/addon": "postgres" });
  });

  it("roll the pod when credentials are rotated", () => {
    const a = buildAddonStatefulSet(input);
    const b = buildAddonStatefulSet(input, "2026-01-01T00:00:00Z");
    expect(a.spec?.template.metadata?.annotations).toBeUndefined();
    expect(b.spec?.template.metadata?.annotations).toEqual({ "quickstack.dev/credentials-rotated-at": "2026-01-01T00:00:00Z" });
  });

  it("render redis with a redis-cli ping probe and its port", () => {
    const sts = buildAddonStatefulSet({ ...input, name: "cache", kind: "redis", version: "7" });
    const c = sts.spec?.template.spec?.containers[0];
    expect(c?.readinessProbe?.exec?.command?.join(" ")).toContain("redis-cli");
    expect(c?.volumeMounts?.[0]?.mountPath).toBe("/data");
    expect(buildAddonService({ ...input, name: "cache", kind: "redis" }).spec?.ports?.[0]?.port).toBe(6379);
  });

  it("keep the password in the Secret and build URLs with the in-cluster host", () => {
    const s = buildAddonSecret(input, "s3cret");
    expect(Buffer.from(s.data?.password ?? "", "base64").toString()).toBe("s3cret");
    expect(addonHost("shop", "postgres")).toBe("addon-postgres.qs-app-shop.svc");
    expect(addonNames.pvc("postgres")).toBe("data-addon-postgres-0");
    expect(addonKinds.postgres.url(addonHost("shop", "postgres"), "a/b")).toBe(
      "postgres://postgres:a%2Fb@addon-postgres.qs-app-shop.svc:5432/postgres",
    );
  });

  it("render mariadb with a mariadb-admin ping probe and a mysql:// URL", () => {
    const sts = buildAddonStatefulSet({ ...input, name: "maria", kind: "mariadb", version: "11.4" });
    expect(sts.spec?.template.spec?.containers[0]?.readinessProbe?.exec?.command?.join(" ")).toContain("mariadb-admin");
    expect(addonKinds.mariadb.url("h", "p")).toBe("mysql://root:p@h:3306/app");
  });

  it("render mongodb: the official image, its port and volume, an authenticated mongosh ping, the password never on a command line", () => {
    expect(officialImage("mongodb", "8.0")).toBe("docker.io/library/mongo:8.0.12");
    expect(officialImage("mongodb", "7.0")).toBe("docker.io/library/mongo:7.0.21");
    const sts = buildAddonStatefulSet({ ...input, name: "docs", kind: "mongodb", version: "8.0", image: officialImage("mongodb", "8.0") });
    const c = sts.spec?.template.spec?.containers[0];
    expect(c?.image).toBe("docker.io/library/mongo:8.0.12");
    expect(c?.ports).toEqual([{ name: "mongodb", containerPort: 27017 }]);
    expect(c?.volumeMounts?.[0]?.mountPath).toBe("/data/db");
    expect(c?.env).toEqual([{ name: "MONGODB_PASSWORD", valueFrom: { secretKeyRef: { name: "addon-docs", key: "password" } } }]);
    const probe = c?.readinessProbe?.exec?.command ?? [];
    expect(probe[0]).toBe("mongosh");
    expect(probe.join(" ")).toContain("ping");
    expect(probe.join(" ")).toContain("process.env.MONGODB_PASSWORD");
    const start = c?.command?.join(" ") ?? "";
    expect(start).toContain("--auth --bind_ip_all");
    expect(start).toContain("process.env.MONGODB_PASSWORD");
    expect(start).not.toMatch(/-p\s+"?\$MONGODB_PASSWORD/);
    expect(sts.spec?.template.spec?.securityContext?.runAsUser).toBe(999);
    expect(buildAddonService({ ...input, name: "docs", kind: "mongodb" }).spec?.ports?.[0]?.port).toBe(27017);
    expect(addonKinds.mongodb.url("h", "a/b")).toBe("mongodb://root:a%2Fb@h:27017/app?authSource=admin");
  });

  it("backups refuse a mongodb add-on out loud (no dump for it yet) instead of leaving it out", () => {
    for (const script of [dumpScript("mongodb"), loadScript("mongodb"), verifyScript("mongodb", "/restore")]) {
      expect(script).toContain("MongoDB add-ons cannot be backed up yet");
      expect(script).toContain("exit 1");
    }
  });
});
