import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCode, verifyPassword, hashRecoveryCode } from "@qs/commands";
import { parseSshPublicKey } from "@qs/core";
import type { ClientKey } from "../../support/ssh.ts";
import { sshInteractive, startOpsPlane, type OpsPlane } from "./harness.ts";

// users, keys, tokens, access, audit and nodes over a real OpenSSH client against the SSH
// server with the command exec handler, stores in the Kubernetes API double.

let plane: OpsPlane;
let alice: ClientKey;

beforeAll(async () => {
  plane = await startOpsPlane();
  alice = await plane.newKey("alice");
});
afterAll(async () => {
  await plane.close();
});

const json = (s: string): unknown => JSON.parse(s);

describe("accounts over SSH", () => {
  it("the first admin adds a developer with a key; the developer can log in", async () => {
    const add = await plane.ssh(plane.admin, "users:add alice");
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('Added developer "alice"');
    expect((await plane.ssh(alice, "users:list")).code).toBe(255); // no key yet: refused by sshd
    const key = await plane.ssh(plane.admin, "keys:add alice", { input: `${alice.publicKey}\n` });
    expect(key.code).toBe(0);
    const fingerprint = parseSshPublicKey(alice.publicKey).fingerprint;
    expect(key.stdout).toContain(fingerprint);
    const list = await plane.ssh(plane.admin, "users:list --json");
    expect(json(list.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "alice", role: "developer", keys: [expect.objectContaining({ fingerprint })] })]),
    );
    const own = await plane.ssh(alice, "keys:list --json");
    expect(own.code).toBe(0);
    expect(json(own.stdout)).toEqual([expect.objectContaining({ user: "alice", fingerprint })]);
    // Developers are refused admin verbs with exit 1 and a hint.
    const refused = await plane.ssh(alice, "users:list");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only admins/);
    expect((await plane.ssh(alice, "keys:list admin")).code).toBe(1);
  });

  it("refuses bad input with exit 2 and changes nothing", async () => {
    const before = await plane.users.list();
    for (const [cmd, input] of [
      ["users:add Bad_Name", ""],
      ["users:add bob --role root", ""],
      ["users:add bob --frobnicate", ""],
      ["keys:add admin", "ssh-rsa AAAA broken"],
      ["keys:add admin", ""],
      ["keys:remove not-a-fingerprint", ""],
      ["tokens:create 'has space'", ""],
      ["access:grant Not_An_App alice", ""],
      ["audit -n 0", ""],
    ] as const) {
      const r = await plane.ssh(plane.admin, cmd, { input });
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 2 });
      expect(r.stderr).toMatch(/^error: /);
    }
    expect(await plane.users.list()).toEqual(before);
  });

  it("grants and revokes app access; audit records who did what without secrets", async () => {
    expect((await plane.ssh(plane.admin, "apps:create shop")).code).toBe(0);
    expect((await plane.ssh(plane.admin, "access:grant nosuchapp alice")).code).toBe(1);
    expect((await plane.ssh(alice, "audit shop")).code).toBe(1);
    const grant = await plane.ssh(plane.admin, "access:grant shop alice");
    expect(grant.code).toBe(0);
    expect((await plane.users.get("alice")).apps).toEqual(["shop"]);
    expect((await plane.ssh(alice, "audit shop")).code).toBe(0);
    expect((await plane.ssh(plane.admin, "apps:config-set shop SECRET_KEY=hunter2hunter2")).code).toBe(0);
    const audit = await plane.ssh(plane.admin, "audit --json");
    const entries = json(audit.stdout) as { command: string; user: string; args: string[]; exitCode: number }[];
    expect(entries.map((e) => e.command)).toEqual(expect.arrayContaining(["users:add", "keys:add", "access:grant", "apps:config-set"]));
    expect(audit.stdout).not.toContain("hunter2");
    expect(entries.find((e) => e.command === "apps:config-set")?.args).toEqual(["shop", "SECRET_KEY"]);
    expect(entries.find((e) => e.command === "access:grant" && e.exitCode === 1)).toBeDefined();
    expect((await plane.ssh(alice, "audit")).code).toBe(1);
    const revoke = await plane.ssh(plane.admin, "access:revoke shop alice");
    expect(revoke.code).toBe(0);
    expect((await plane.ssh(alice, "audit shop")).code).toBe(1);
  });

  it("creates an API token shown once, lists it without the secret, revokes it", async () => {
    const created = await plane.ssh(alice, "tokens:create laptop --json");
    expect(created.code).toBe(0);
    const { token } = json(created.stdout) as { token: string };
    expect(await plane.users.authenticateToken(undefined, token)).toEqual({ user: "alice", role: "developer" });
    const list = await plane.ssh(alice, "tokens:list");
    expect(list.stdout).toContain("laptop");
    expect(list.stdout).not.toContain(token);
    expect((await plane.ssh(alice, "tokens:revoke laptop --user admin")).code).toBe(1);
    expect((await plane.ssh(alice, "tokens:revoke laptop")).code).toBe(0);
    expect(await plane.users.authenticateToken(undefined, token)).toBeUndefined();
  });

  it("sets a password from stdin, stored as a hash", async () => {
    const r = await plane.ssh(alice, "users:password-set alice", { input: "correct horse battery\n" });
    expect(r.code).toBe(0);
    const { passwordHash } = await plane.users.getCredentials("alice");
    expect(passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword("correct horse battery", passwordHash ?? "")).toBe(true);
    expect((await plane.ssh(alice, "users:password-set admin", { input: "whatever123\n" })).code).toBe(1);
  });

  it("enrols TOTP interactively: URI and QR code, a first code, ten recovery codes", async () => {
    const r = await sshInteractive(plane.sshPort, alice, "users:2fa-enable", (out) => {
      const secret = /secret=([A-Z2-7]+)/.exec(out)?.[1];
      return secret !== undefined && out.includes("Enter the 6-digit code") ? `${totpCode(secret)}\n` : undefined;
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/otpauth:\/\/totp\//);
    expect(r.stdout).toMatch(/[█▀▄]{10}/);
    const codes = [...r.stdout.matchAll(/^ {2}([a-z0-9]{5}-[a-z0-9]{5})$/gm)].map((m) => m[1] ?? "");
    expect(codes).toHaveLength(10);
    const creds = await plane.users.getCredentials("alice");
    expect(creds.totpSecret).toBe(/secret=([A-Z2-7]+)/.exec(r.stdout)?.[1]);
    expect(creds.recoveryCodeHashes).toEqual(codes.map((c) => hashRecoveryCode(c)));
    expect((await plane.ssh(alice, "users:2fa-enable")).code).toBe(1);
    const off = await plane.ssh(alice, "users:2fa-disable");
    expect(off.code).toBe(0);
    expect((await plane.users.get("alice")).totpEnabled).toBe(false);
  });

  it("a wrong first code leaves two-factor login off", async () => {
    const r = await sshInteractive(plane.sshPort, alice, "users:2fa-enable", (out) =>
      out.includes("Enter the 6-digit code") ? "000000\n000000\n000000\n" : undefined,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("That code is not right");
    expect(r.stderr).toMatch(/codes were wrong/);
    expect((await plane.users.get("alice")).totpEnabled).toBe(false);
  });

  it("lists nodes and prints the join command for admins only", async () => {
    const nodes = await plane.ssh(plane.admin, "nodes:list --json");
    expect(nodes.code).toBe(0);
    expect(json(nodes.stdout)).toEqual([expect.objectContaining({ name: "node-1", status: "Ready" })]);
    expect((await plane.ssh(plane.admin, "nodes:list")).stdout).toMatch(/^NAME\s+STATUS/);
    const missing = await plane.ssh(plane.admin, "nodes:join-command");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("installer");
    await plane.apis.secrets.create(plane.systemNamespace, {
      metadata: { name: "quickstack-join" },
      stringData: { token: "K10tok::server:abc", server: "https://198.51.100.7:6443", "install-url": "https://qs.example.com/install.sh" },
    });
    const join = await plane.ssh(plane.admin, "nodes:join-command");
    expect(join.stdout.trim()).toBe(
      "curl -fsSL https://qs.example.com/install.sh | sh -s - join --server https://198.51.100.7:6443 --token K10tok::server:abc",
    );
    expect((await plane.ssh(alice, "nodes:join-command")).code).toBe(1);
    expect((await plane.ssh(alice, "nodes:list")).code).toBe(1);
  });

  it("removes a key and then a user; the last admin stays", async () => {
    const fingerprint = parseSshPublicKey(alice.publicKey).fingerprint;
    expect((await plane.ssh(plane.admin, `keys:remove ${fingerprint}`)).code).toBe(0);
    expect((await plane.ssh(alice, "keys:list")).code).toBe(255);
    expect((await plane.ssh(plane.admin, "users:remove alice")).code).toBe(0);
    expect((await plane.ssh(plane.admin, "users:remove admin")).code).toBe(1);
    expect((await plane.users.list()).map((u) => u.name)).toEqual(["admin"]);
  });
});
