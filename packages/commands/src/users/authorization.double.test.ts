import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Principal, silentLogger } from "@qs/core";
import { createAuditLog, createClusterOps, createNodeOps, createUserStore } from "@qs/kube";
import { startDeployHarness, type DeployHarness } from "../../../../test/e2e/deploy/harness.ts";
import type { CommandServices } from "../command.ts";
import { invokeCommand } from "../dispatch.ts";

// The authorisation table: each role × command × own/other app, allowed or refused.
// "Refused" means FORBIDDEN before anything happens; "allowed" means the verb got past
// authorisation (it may still fail for other reasons, e.g. an app that was never deployed).

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDvloulHUilkg9oQwDOLhBYDPk/MYmhqxzrKCb2AojRI c@ed25519";
const EC =
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOfuHHPUbww+OlmyAKpLIiiFvfKSgPcJtFi/Dc1lzf1t9LyHI0uCY86ZIb4G+xGO3ZVoen+bVFpMb/skLOuSFPk= c@ecdsa";
const ED_FP = "SHA256:wwczEKPtnLPMIMsM7e/MN3QUtKoyAnlKpb+ij/dF03g";

let h: DeployHarness;
let services: CommandServices;
let own: string;
let other: string;

beforeAll(async () => {
  h = await startDeployHarness();
  const apis = h.apis;
  await apis.namespaces.create({ metadata: { name: "qs-system" } });
  const users = createUserStore({ apis });
  services = {
    apps: h.apps,
    config: h.config,
    releases: h.releases,
    access: users,
    repos: { createEmpty: () => Promise.resolve({}), remove: () => Promise.resolve() },
    audit: createAuditLog({ apis }),
    baseDomain: "qs.test",
    limits: { maxScale: 50 },
    logger: silentLogger,
    users,
    ops: createClusterOps({ apis, pollMs: 50 }),
    nodes: createNodeOps({ apis }),
  };
  own = h.appName("own");
  other = h.appName("other");
  await h.apps.create(own, "admin");
  await h.apps.create(other, "admin");
  await users.ensureFirstAdmin(ED);
  await users.create("dev", "developer");
  await users.addKey("dev", EC);
  await users.grant("dev", own);
  await users.create("victim", "developer");
});
afterAll(async () => {
  await h.close();
});

const admin: Principal = { user: "admin", role: "admin" };
const dev: Principal = { user: "dev", role: "developer" };

type Row = readonly [command: string, args: (apps: { own: string; other: string }) => string[], devAllowed: boolean, stdin?: string];

// Every row is also run as admin, who is always allowed.
const TABLE: readonly Row[] = [
  ["users:list", () => [], false],
  ["users:add", () => ["newbie"], false],
  ["users:remove", () => ["victim"], false],
  ["users:password-set", () => ["dev"], true, "a long enough password\n"],
  ["users:password-set", () => ["victim"], false, "a long enough password\n"],
  ["users:2fa-disable", () => ["victim"], false],
  ["users:2fa-enable", () => ["victim"], false],
  ["keys:list", () => [], true],
  ["keys:list", () => ["victim"], false],
  ["keys:list", () => ["--all"], false],
  ["keys:add", () => ["victim"], false, `${ED}\n`],
  ["keys:remove", () => [ED_FP], false],
  ["tokens:create", () => ["t1"], true],
  ["tokens:list", () => [], true],
  ["tokens:revoke", () => ["t1", "--user", "victim"], false],
  ["access:grant", (a) => [a.other, "dev"], false],
  ["access:revoke", (a) => [a.own, "dev"], false],
  ["audit", () => [], false],
  ["audit", (a) => [a.own], true],
  ["audit", (a) => [a.other], false],
  ["nodes:list", () => [], false],
  ["nodes:join-command", () => [], false],
  ["apps:logs", (a) => [a.own], true],
  ["apps:logs", (a) => [a.other], false],
  ["apps:ps", (a) => [a.own], true],
  ["apps:ps", (a) => [a.other], false],
  ["apps:restart", (a) => [a.own], true],
  ["apps:restart", (a) => [a.other], false],
  ["apps:run", (a) => [a.own, "true"], true],
  ["apps:run", (a) => [a.other, "true"], false],
  ["apps:enter", (a) => [a.own, "true"], true],
  ["apps:enter", (a) => [a.other, "true"], false],
];

async function outcome(principal: Principal, command: string, args: string[], stdin = ""): Promise<string> {
  const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
  const result = await invokeCommand(
    command,
    args,
    principal,
    { stdin: Readable.from([Buffer.from(stdin)]), stdout: sink(), stderr: sink() },
    services,
    new AbortController().signal,
  );
  if (result.ok) return "ok";
  const code = (result.error as { code?: string }).code;
  return code === "FORBIDDEN" ? "refused" : `allowed (${code ?? "error"})`;
}

describe("authorisation table", () => {
  it.each(TABLE.map((r) => [r[0], r[1]({ own: "OWN", other: "OTHER" }).join(" "), r] as const))(
    "developer: %s %s",
    async (_name, _shown, [command, args, devAllowed, stdin]) => {
      const got = await outcome(dev, command, args({ own, other }), stdin);
      expect(got === "refused" ? "refused" : "allowed").toBe(devAllowed ? "allowed" : "refused");
    },
  );

  it.each(TABLE.filter((r) => r[0] !== "users:remove" && r[0] !== "keys:remove").map((r) => [r[0], r[1]({ own: "OWN", other: "OTHER" }).join(" "), r] as const))(
    "admin: %s %s",
    async (_name, _shown, [command, args, , stdin]) => {
      expect(await outcome(admin, command, args({ own, other }), stdin)).not.toBe("refused");
    },
  );

  it("a developer whose grant is revoked is refused at once", async () => {
    const users = services.users;
    if (users === undefined) throw new Error("no users store");
    await users.grant("dev", other);
    expect(await outcome(dev, "apps:ps", [other])).not.toBe("refused");
    await users.revoke("dev", other);
    expect(await outcome(dev, "apps:ps", [other])).toBe("refused");
  });
});
