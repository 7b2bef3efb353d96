import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError, type AccessControl, type UserStore } from "@qs/core";
import type { KubeApis } from "../apis.ts";
import { createAuditLog } from "./audit-log.ts";
import { createUserStore, sha256Hex } from "./user-store.ts";
import { startDoubleWithApis } from "../../../../test/support/double-apis.ts";

// Fixture keys made with ssh-keygen (the same as in core's ssh-key tests).
const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDvloulHUilkg9oQwDOLhBYDPk/MYmhqxzrKCb2AojRI c@ed25519";
const ED_FP = "SHA256:wwczEKPtnLPMIMsM7e/MN3QUtKoyAnlKpb+ij/dF03g";
const EC =
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOfuHHPUbww+OlmyAKpLIiiFvfKSgPcJtFi/Dc1lzf1t9LyHI0uCY86ZIb4G+xGO3ZVoen+bVFpMb/skLOuSFPk= c@ecdsa";

let apis: KubeApis;
let closeDouble: () => Promise<void>;

beforeAll(async () => {
  ({ apis, close: closeDouble } = await startDoubleWithApis());
});
afterAll(async () => {
  await closeDouble();
});

async function freshStore(): Promise<UserStore & AccessControl & { namespace: string }> {
  const namespace = `qs-test-${randomUUID().slice(0, 8)}`;
  await apis.namespaces.create({ metadata: { name: namespace } });
  return Object.assign(createUserStore({ apis, namespace }), { namespace });
}

const offered = (line: string) => {
  const [algorithm = "", b64 = ""] = line.split(" ");
  return { algorithm, data: Buffer.from(b64, "base64") };
};

describe("users store over the Kubernetes API double", () => {
  it("bootstraps the first admin once, from a key", async () => {
    const store = await freshStore();
    const admin = await store.ensureFirstAdmin(ED);
    expect(admin).toMatchObject({ name: "admin", role: "admin" });
    expect(admin?.keys[0]?.fingerprint).toBe(ED_FP);
    expect(await store.ensureFirstAdmin(EC)).toBeUndefined();
    expect((await store.list()).map((u) => u.name)).toEqual(["admin"]);
    const secret = await apis.secrets.read(store.namespace, "qs-user-admin");
    expect(secret.metadata?.labels?.["quickstack.dev/kind"]).toBe("user");
    expect(await store.authenticateKey(offered(ED))).toEqual({ user: "admin", role: "admin" });
    expect(await store.authenticateKey(offered(EC))).toBeUndefined();
  });

  it("bootstraps the first admin with the installer's TOTP secret", async () => {
    const store = await freshStore();
    expect(await store.ensureFirstAdmin(EC, { totpSecret: "JBSWY3DPEHPK3PXP" })).toMatchObject({ totpEnabled: true });
    expect((await store.getCredentials("admin")).totpSecret).toBe("JBSWY3DPEHPK3PXP");
  });

  it("adds users and keys, refuses duplicates, grants apps to developers", async () => {
    const store = await freshStore();
    await store.ensureFirstAdmin(ED);
    await store.create("alice", "developer");
    await expect(store.create("alice", "admin")).rejects.toBeInstanceOf(ConflictError);
    await expect(store.create("Bad_Name", "developer")).rejects.toBeInstanceOf(ValidationError);
    await expect(store.addKey("alice", ED)).rejects.toMatchObject({ code: "KEY_EXISTS" });
    const key = await store.addKey("alice", EC);
    expect(await store.authenticateKey(offered(EC))).toEqual({ user: "alice", role: "developer" });
    const alice = { user: "alice", role: "developer" } as const;
    expect(await store.canAccessApp(alice, "shop")).toBe(false);
    await store.grant("alice", "shop");
    expect(await store.canAccessApp(alice, "shop")).toBe(true);
    expect(await store.canAccessApp(alice, "blog")).toBe(false);
    expect(await store.canAccessApp({ user: "admin", role: "admin" }, "blog")).toBe(true);
    await store.revoke("alice", "shop");
    expect(await store.canAccessApp(alice, "shop")).toBe(false);
    await expect(store.revoke("alice", "shop")).rejects.toMatchObject({ code: "GRANT_NOT_FOUND" });
    expect(await store.removeKey(key.fingerprint)).toMatchObject({ user: "alice" });
    expect(await store.authenticateKey(offered(EC))).toBeUndefined();
    await expect(store.removeKey(key.fingerprint)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("keeps every grant when many are made concurrently (409 retry)", async () => {
    const store = await freshStore();
    await store.create("bob", "developer");
    const apps = Array.from({ length: 12 }, (_, i) => `app-${i}`);
    await Promise.all(apps.map((a) => store.grant("bob", a)));
    expect((await store.get("bob")).apps).toEqual([...apps].sort());
  });

  it("stores API tokens only as hashes and authenticates them", async () => {
    const store = await freshStore();
    await store.create("carol", "developer");
    const { token, info } = await store.createToken("carol", "ci");
    expect(token).toMatch(/^qst_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ user: "carol", name: "ci" });
    const secret = await apis.secrets.read(store.namespace, "qs-user-carol");
    const stored = Buffer.from(secret.data?.["user.json"] ?? "", "base64").toString("utf8");
    expect(stored).not.toContain(token);
    expect(stored).toContain(sha256Hex(token));
    expect(await store.authenticateToken(undefined, token)).toEqual({ user: "carol", role: "developer" });
    expect(await store.authenticateToken("carol", token)).toEqual({ user: "carol", role: "developer" });
    expect(await store.authenticateToken("nobody", token)).toBeUndefined();
    expect(await store.authenticateToken(undefined, `${token}x`)).toBeUndefined();
    await expect(store.createToken("carol", "ci")).rejects.toMatchObject({ code: "TOKEN_EXISTS" });
    await store.revokeToken("carol", "ci");
    expect(await store.authenticateToken(undefined, token)).toBeUndefined();
  });

  it("keeps credentials apart from the public view and consumes recovery codes once", async () => {
    const store = await freshStore();
    await store.create("dave", "admin");
    await store.setPasswordHash("dave", "scrypt$1$2$3$s$k");
    await store.setTotp("dave", { secret: "JBSWY3DPEHPK3PXP", recoveryCodeHashes: [sha256Hex("code1")] });
    expect(await store.get("dave")).toMatchObject({ hasPassword: true, totpEnabled: true });
    expect(JSON.stringify(await store.list())).not.toContain("JBSWY3DPEHPK3PXP");
    expect(await store.getCredentials("dave")).toEqual({
      passwordHash: "scrypt$1$2$3$s$k",
      totpSecret: "JBSWY3DPEHPK3PXP",
      recoveryCodeHashes: [sha256Hex("code1")],
    });
    expect(await store.useRecoveryCode("dave", sha256Hex("code1"))).toBe(true);
    expect(await store.useRecoveryCode("dave", sha256Hex("code1"))).toBe(false);
    await store.setTotp("dave", undefined);
    expect((await store.get("dave")).totpEnabled).toBe(false);
  });

  it("sees users removed behind its back once the authentication cache has expired", async () => {
    const namespace = `qs-test-${randomUUID().slice(0, 8)}`;
    await apis.namespaces.create({ metadata: { name: namespace } });
    const store = createUserStore({ apis, namespace, authCacheMs: 100 });
    await store.ensureFirstAdmin(ED);
    expect(await store.authenticateKey(offered(ED))).toEqual({ user: "admin", role: "admin" });
    await apis.secrets.delete(namespace, "qs-user-admin");
    await new Promise((r) => setTimeout(r, 250));
    expect(await store.authenticateKey(offered(ED))).toBeUndefined();
  });

  it("refuses to remove the last admin", async () => {
    const store = await freshStore();
    await store.ensureFirstAdmin(ED);
    await expect(store.remove("admin")).rejects.toMatchObject({ code: "LAST_ADMIN" });
    await store.create("erin", "admin");
    await store.remove("admin");
    await expect(store.get("admin")).rejects.toMatchObject({ code: "USER_NOT_FOUND" });
  });
});

describe("audit log over the Kubernetes API double", () => {
  it("appends concurrently, filters by app, newest first, and caps", async () => {
    const namespace = `qs-test-${randomUUID().slice(0, 8)}`;
    await apis.namespaces.create({ metadata: { name: namespace } });
    const audit = createAuditLog({ apis, namespace, maxEntriesPerMonth: 15 });
    const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 0, 0, s)).toISOString();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        audit.record({ at: at(i), user: "u", command: "apps:scale", args: ["shop", `web=${i}`], app: i % 2 ? "shop" : "blog", exitCode: 0 }),
      ),
    );
    expect(await audit.list()).toHaveLength(10);
    expect((await audit.list({ app: "shop" })).every((e) => e.app === "shop")).toBe(true);
    expect(await audit.list({ app: "shop" })).toHaveLength(5);
    for (let i = 10; i < 20; i++) await audit.record({ at: at(i), user: "u", command: "apps:create", args: [], exitCode: 0 });
    const all = await audit.list({ limit: 100 });
    expect(all).toHaveLength(15);
    expect(all[0]?.at).toBe(at(19));
    await audit.record({ at: new Date(Date.UTC(2026, 11, 1)).toISOString(), user: "u", command: "apps:create", args: [], exitCode: 1, error: "X" });
    const newest = await audit.list({ limit: 1 });
    expect(newest[0]).toMatchObject({ exitCode: 1, error: "X" });
  });
});
