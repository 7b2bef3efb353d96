import { describe, expect, it } from "vitest";
import { addonKinds } from "./kinds.ts";
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
});
